//! The sign-in state machine of SPEC §2.5: consecutive failures, automatic PIN reset and lockout.
//!
//! Storage applies a failure with one atomic statement (the count goes up by one and the lockout is
//! set when the count reaches `MaxLogonAttempts`, all only while not locked out); this module says
//! what that statement must do and what follows from the count it returns. The rule lives here as
//! the specification; the store's contract suite (`tests/contract/sign_in_rule.rs`) checks the
//! atomic statements against it over generated sequences of sign-ins, unlocks, resets and policy
//! changes, on both backends.

use crate::{Limit, PinPolicy, PinStatus, Timestamp};

/// What a failed sign-in leads to, decided by the consecutive-failure count it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureConsequence {
    /// Nothing beyond counting.
    Counted,
    /// The count reached a multiple of `LogonFailuresBeforePINReset`, below `MaxLogonAttempts`:
    /// the PIN is replaced by a generated one and e-mailed to the user.
    ResetPin,
    /// The count reached `MaxLogonAttempts`: the UM mailbox is locked out.
    LockOut,
}

/// The consequence of the failure that brought the count to `count`.
pub fn failure_consequence(count: u32, policy: &PinPolicy) -> FailureConsequence {
    if count >= u32::from(policy.max_logon_attempts) {
        return FailureConsequence::LockOut;
    }
    match policy.logon_failures_before_pin_reset {
        Limit::Limited(every) if count.is_multiple_of(u32::from(every)) => FailureConsequence::ResetPin,
        _ => FailureConsequence::Counted,
    }
}

/// The result of one sign-in attempt against the PIN status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The PIN was right: the count is back to 0.
    SignedIn,
    /// The PIN was wrong and was counted, with this consequence.
    Failed(FailureConsequence),
    /// The mailbox is locked out: refused without evaluating the PIN and without counting.
    LockedOut,
}

impl PinStatus {
    /// Whether a sign-in may evaluate the PIN at all.
    pub fn accepts_sign_in(&self) -> bool {
        !self.locked_out
    }

    /// Applies one sign-in attempt whose PIN was (or, when locked out, would have been) `correct`.
    /// An automatic reset of the PIN itself is the caller's to do; here the status records the
    /// failure and the lockout.
    pub fn sign_in(&mut self, correct: bool, policy: &PinPolicy, now: Timestamp) -> Attempt {
        if !self.accepts_sign_in() {
            return Attempt::LockedOut;
        }
        if correct {
            self.failed_logon_count = 0;
            return Attempt::SignedIn;
        }
        self.failed_logon_count = self.failed_logon_count.saturating_add(1);
        self.last_failed_logon = Some(now);
        let consequence = failure_consequence(self.failed_logon_count, policy);
        if consequence == FailureConsequence::LockOut {
            self.locked_out = true;
        }
        Attempt::Failed(consequence)
    }

    /// `Set-UMMailboxPIN -LockedOut $true` without a PIN: locks; nothing else changes.
    pub fn lock(&mut self) {
        self.locked_out = true;
    }

    /// `Set-UMMailboxPIN -LockedOut $false` without a PIN: unlocks and clears the count.
    pub fn unlock(&mut self) {
        self.locked_out = false;
        self.failed_logon_count = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status() -> PinStatus {
        PinStatus::new_pin(7, false, false, false, Timestamp::UNIX_EPOCH)
    }

    fn fail_n(n: u32, policy: &PinPolicy) -> (PinStatus, Vec<Attempt>) {
        let mut s = status();
        let attempts = (0..n).map(|_| s.sign_in(false, policy, Timestamp::UNIX_EPOCH)).collect();
        (s, attempts)
    }

    #[test]
    fn with_defaults_the_pin_is_reset_at_5_and_10_and_locked_out_at_15() {
        let (s, attempts) = fail_n(15, &PinPolicy::default());
        let resets: Vec<usize> = attempts
            .iter()
            .enumerate()
            .filter(|(_, a)| **a == Attempt::Failed(FailureConsequence::ResetPin))
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(resets, vec![5, 10]);
        assert_eq!(attempts[14], Attempt::Failed(FailureConsequence::LockOut));
        assert!(s.locked_out);
        assert_eq!(s.failed_logon_count, 15);
    }

    #[test]
    fn a_locked_out_mailbox_refuses_even_the_correct_pin_without_counting() {
        let policy = PinPolicy::default();
        let (mut s, _) = fail_n(15, &policy);
        assert_eq!(s.sign_in(true, &policy, Timestamp::UNIX_EPOCH), Attempt::LockedOut);
        assert_eq!(s.sign_in(false, &policy, Timestamp::UNIX_EPOCH), Attempt::LockedOut);
        assert_eq!(s.failed_logon_count, 15);
    }

    #[test]
    fn a_correct_pin_sets_the_count_back_to_zero() {
        let policy = PinPolicy::default();
        let (mut s, _) = fail_n(4, &policy);
        assert_eq!(s.sign_in(true, &policy, Timestamp::UNIX_EPOCH), Attempt::SignedIn);
        assert_eq!(s.failed_logon_count, 0);
    }

    #[test]
    fn an_unlimited_reset_count_never_resets_the_pin() {
        let policy = PinPolicy { logon_failures_before_pin_reset: Limit::Unlimited, ..PinPolicy::default() };
        let (s, attempts) = fail_n(15, &policy);
        assert!(!attempts.contains(&Attempt::Failed(FailureConsequence::ResetPin)));
        assert!(s.locked_out);
    }

    #[test]
    fn unlock_clears_the_lockout_and_the_count() {
        let policy = PinPolicy::default();
        let (mut s, _) = fail_n(15, &policy);
        s.unlock();
        assert!(!s.locked_out);
        assert_eq!(s.failed_logon_count, 0);
        assert_eq!(s.sign_in(false, &policy, Timestamp::UNIX_EPOCH), Attempt::Failed(FailureConsequence::Counted));
    }

    #[test]
    fn max_logon_attempts_of_one_locks_out_at_the_first_failure() {
        let policy = PinPolicy {
            max_logon_attempts: 1,
            logon_failures_before_pin_reset: Limit::Unlimited,
            ..PinPolicy::default()
        };
        let (s, attempts) = fail_n(1, &policy);
        assert_eq!(attempts, vec![Attempt::Failed(FailureConsequence::LockOut)]);
        assert!(s.locked_out);
    }

    /// The reference model: a plain reading of SPEC §2.5 over the whole history of attempts.
    fn reference(attempts: &[bool], reset: Option<u16>, max: u16) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut consecutive = 0u32;
        let mut locked = false;
        for &correct in attempts {
            if locked {
                out.push("refused");
            } else if correct {
                consecutive = 0;
                out.push("in");
            } else {
                consecutive += 1;
                if consecutive == u32::from(max) {
                    locked = true;
                    out.push("lockout");
                } else if reset.is_some_and(|r| consecutive.is_multiple_of(u32::from(r))) {
                    out.push("reset");
                } else {
                    out.push("wrong");
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn the_state_machine_agrees_with_the_reference_model(
            attempts in proptest::collection::vec(proptest::bool::weighted(0.15), 0..80),
            max in 1u16..30,
            reset in proptest::option::of(1u16..30),
        ) {
            let reset = reset.filter(|r| *r < max);
            let policy = PinPolicy {
                max_logon_attempts: max,
                logon_failures_before_pin_reset: reset.map_or(Limit::Unlimited, Limit::Limited),
                ..PinPolicy::default()
            };
            let mut s = status();
            let got: Vec<&str> = attempts.iter().map(|&correct| match s.sign_in(correct, &policy, Timestamp::UNIX_EPOCH) {
                Attempt::SignedIn => "in",
                Attempt::LockedOut => "refused",
                Attempt::Failed(FailureConsequence::Counted) => "wrong",
                Attempt::Failed(FailureConsequence::ResetPin) => "reset",
                Attempt::Failed(FailureConsequence::LockOut) => "lockout",
            }).collect();
            prop_assert_eq!(got, reference(&attempts, reset, max));
        }
    }
}
