//! Argon2id parameters for PIN verifiers (SPEC §5): OWASP's recommendation by default, configurable
//! upwards, and stored with every verifier (in its PHC string) so that raising them later upgrades
//! each verifier at its owner's next right sign-in.
//!
//! Parameters weaker than OWASP's are refused. The only way around that is
//! [`Argon2Params::FAST_FOR_TESTS`], whose marker can't come from a configuration file (the field is
//! private and never deserialized), so a configuration can't weaken PIN verifiers by copying the
//! test values.

use serde::{Deserialize, Serialize};

use crate::CryptoError;

/// The bytes of Argon2 output kept in a verifier.
const OUTPUT_LEN: usize = 32;

/// OWASP's equivalent Argon2id settings (Password Storage Cheat Sheet): memory in KiB and the
/// iterations needed with it, all with parallelism 1. Parameters pass when they reach one of these
/// in both memory and iterations.
const OWASP_MINIMUMS: [(u32, u32); 5] = [(47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5)];

/// The cost of Argon2id for new PIN verifiers. In the configuration:
///
/// ```toml
/// [argon2]
/// memory_kib = 19456
/// iterations = 2
/// parallelism = 1
/// ```
///
/// A setting left out takes its default ([`Argon2Params::OWASP`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Params {
    /// Memory per computation, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes; Argon2 computes them one after the other here, so more lanes don't make it faster.
    pub parallelism: u32,
    /// Set only by [`Argon2Params::FAST_FOR_TESTS`]: skips the OWASP minimum.
    #[serde(skip)]
    pub(crate) for_tests: bool,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params::OWASP
    }
}

impl Argon2Params {
    /// OWASP's recommended Argon2id settings: 19 MiB, 2 iterations, 1 lane.
    pub const OWASP: Argon2Params = Argon2Params::new(19_456, 2, 1);

    /// Tiny parameters that make Argon2 take microseconds. **For tests only**: a vault built with
    /// them protects nothing against offline guessing. [`Vault::new`](crate::Vault::new)
    /// accepts them although they are below OWASP's minimum.
    pub const FAST_FOR_TESTS: Argon2Params =
        Argon2Params { memory_kib: 8, iterations: 1, parallelism: 1, for_tests: true };

    /// Parameters to be checked by [`Argon2Params::validate`].
    pub const fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Argon2Params {
        Argon2Params { memory_kib, iterations, parallelism, for_tests: false }
    }

    /// Refuses parameters that Argon2 can't use, and (except for [`Argon2Params::FAST_FOR_TESTS`])
    /// parameters weaker than OWASP's minimum, naming the weak setting.
    pub fn validate(&self) -> Result<(), CryptoError> {
        self.to_argon2()?;
        if self.for_tests {
            return Ok(());
        }
        let Some(&(lowest_memory, most_iterations)) = OWASP_MINIMUMS.last() else { return Ok(()) };
        if self.memory_kib < lowest_memory {
            return Err(CryptoError::WeakArgon2 {
                parameter: "memory_kib",
                value: self.memory_kib,
                minimum: lowest_memory,
                hint: format!(" (with iterations = {most_iterations} or more)"),
            });
        }
        // The fewest iterations OWASP accepts with this much memory.
        let needed = OWASP_MINIMUMS
            .iter()
            .filter(|(memory, _)| self.memory_kib >= *memory)
            .map(|&(_, iterations)| iterations)
            .min()
            .unwrap_or(most_iterations);
        if self.iterations < needed {
            return Err(CryptoError::WeakArgon2 {
                parameter: "iterations",
                value: self.iterations,
                minimum: needed,
                hint: format!(" with memory_kib = {}", self.memory_kib),
            });
        }
        Ok(())
    }

    /// The same parameters for the `argon2` crate.
    pub(crate) fn to_argon2(self) -> Result<argon2::Params, CryptoError> {
        argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(OUTPUT_LEN))
            .map_err(|e| CryptoError::InvalidArgon2 { reason: e.to_string() })
    }

    /// Whether a verifier made with `params` used exactly these parameters.
    pub(crate) fn same_as(self, params: &argon2::Params) -> bool {
        params.m_cost() == self.memory_kib && params.t_cost() == self.iterations && params.p_cost() == self.parallelism
    }
}

#[cfg(test)]
mod tests {
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, MapDeserializer};

    use super::*;

    fn weak_parameter(params: Argon2Params) -> Option<&'static str> {
        match params.validate() {
            Err(CryptoError::WeakArgon2 { parameter, .. }) => Some(parameter),
            _ => None,
        }
    }

    #[test]
    fn the_default_is_owasps_recommendation() {
        let d = Argon2Params::default();
        assert_eq!((d.memory_kib, d.iterations, d.parallelism), (19_456, 2, 1));
        assert!(d.validate().is_ok());
    }

    #[test]
    fn every_owasp_equivalent_setting_is_accepted() {
        for (memory, iterations) in OWASP_MINIMUMS {
            assert!(Argon2Params::new(memory, iterations, 1).validate().is_ok(), "m={memory} t={iterations}");
        }
    }

    #[test]
    fn stronger_settings_are_accepted() {
        assert!(Argon2Params::new(65_536, 3, 1).validate().is_ok());
        assert!(Argon2Params::new(19_456, 2, 4).validate().is_ok());
    }

    #[test]
    fn too_little_memory_is_refused_naming_memory_kib() {
        assert_eq!(weak_parameter(Argon2Params::new(4_096, 10, 1)), Some("memory_kib"));
    }

    #[test]
    fn too_few_iterations_for_the_memory_are_refused_naming_iterations() {
        assert_eq!(weak_parameter(Argon2Params::new(19_456, 1, 1)), Some("iterations"));
        assert_eq!(weak_parameter(Argon2Params::new(9_216, 3, 1)), Some("iterations"));
    }

    #[test]
    fn the_refusal_says_what_is_needed() {
        let message = Argon2Params::new(19_456, 1, 1).validate().unwrap_err().to_string();
        assert!(message.contains("argon2.iterations is 1"), "{message}");
        assert!(message.contains("at least 2"), "{message}");
    }

    #[test]
    fn zero_parallelism_is_refused() {
        assert!(matches!(Argon2Params::new(19_456, 2, 0).validate(), Err(CryptoError::InvalidArgon2 { .. })));
    }

    #[test]
    fn the_test_constant_bypasses_the_owasp_minimum() {
        assert!(Argon2Params::FAST_FOR_TESTS.validate().is_ok());
    }

    fn from_config(entries: &[(&str, u32)]) -> Result<Argon2Params, DeError> {
        let map = entries.iter().map(|&(k, v)| (k, v.into_deserializer()));
        Argon2Params::deserialize(MapDeserializer::<_, DeError>::new(map))
    }

    #[test]
    fn the_test_values_from_a_configuration_are_refused() {
        let params = from_config(&[("memory_kib", 8), ("iterations", 1), ("parallelism", 1)]).unwrap();
        assert_eq!(weak_parameter(params), Some("memory_kib"));
    }

    #[test]
    fn settings_left_out_of_the_configuration_take_owasps_values() {
        let params = from_config(&[("memory_kib", 65_536)]).unwrap();
        assert_eq!(params, Argon2Params::new(65_536, 2, 1));
    }

    #[test]
    fn an_unknown_setting_in_the_configuration_is_refused() {
        assert!(from_config(&[("memory", 65_536)]).is_err());
    }
}
