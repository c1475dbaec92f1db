//! The sign-in statements against the domain's sign-in rule (`PinStatus::sign_in`, SPEC §2.5):
//! the rule stays in the domain as the specification, and the atomic statements that apply it
//! under concurrency are checked against it here, on both backends, over generated sequences of
//! wrong and right PINs, unlocks, resets and policy changes.

use umpin_domain::sign_in::{Attempt, failure_consequence};
use umpin_domain::{Limit, PinPolicy};

use super::*;

/// A small deterministic generator, so that a failing sequence can be replayed.
struct Steps(u64);

impl Steps {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// A policy with the reset count below the lockout count, or unlimited (SPEC §1.3).
fn policy_from(steps: &mut Steps) -> PinPolicy {
    let max = 1 + steps.next(20) as u16;
    let reset = match steps.next(4) {
        0 => Limit::Unlimited,
        _ if max == 1 => Limit::Unlimited,
        _ => Limit::Limited(1 + steps.next(u64::from(max) - 1) as u16),
    };
    PinPolicy { max_logon_attempts: max, logon_failures_before_pin_reset: reset, ..PinPolicy::DEFAULT }
}

async fn set_status(db: &Database, m: Guid, status: &PinStatus) {
    let mut tx = db.begin().await.unwrap();
    tx.update_pin_status(m, status).await.unwrap();
    tx.commit().await.unwrap();
}

umpin_store::backend_tests! {
    /// Whatever the order of wrong and right PINs, unlocks, resets and policy changes, the
    /// statements count, lock out, report the consequence and keep the time of the last failure
    /// exactly as the domain's rule says.
    async fn the_sign_in_statements_follow_the_domain_rule_over_generated_sequences(db: Database) {
        let (_, pol) = org(&db, "Plan").await;
        let m = um_user(&db, &pol, "tony", "51234").await;
        let mut steps = Steps(0x2545_f491_4f6c_dd1d);
        let mut clock = 1_000_000;
        for sequence in 0..24 {
            let mut model = status();
            set_status(&db, m.guid, &model).await;
            let mut policy = policy_from(&mut steps);
            for step in 0..30 {
                clock += 1_000;
                let now = at(clock);
                let max = u32::from(policy.max_logon_attempts);
                let what = match steps.next(10) {
                    0..=5 => {
                        let got = db.reserve_sign_in(m.guid, max, now).await.unwrap();
                        match (got, model.sign_in(false, &policy, now)) {
                            (None, Attempt::LockedOut) => {}
                            (Some(r), Attempt::Failed(consequence)) => {
                                assert_eq!(r.failed_logon_count, model.failed_logon_count);
                                assert_eq!(r.locked_out, model.locked_out);
                                assert_eq!(failure_consequence(r.failed_logon_count, &policy), consequence);
                            }
                            (got, expected) => panic!("sequence {sequence} step {step}: wrong PIN gave {got:?}, the rule says {expected:?}"),
                        }
                        "a wrong PIN"
                    }
                    6..=7 => {
                        let got = db.reserve_sign_in(m.guid, max, now).await.unwrap();
                        match (got, model.sign_in(true, &policy, now)) {
                            (None, Attempt::LockedOut) => {}
                            (Some(r), Attempt::SignedIn) => {
                                assert!(sign_in_succeeded(&db, m.guid, &r, None).await.is_some());
                            }
                            (got, expected) => panic!("sequence {sequence} step {step}: right PIN gave {got:?}, the rule says {expected:?}"),
                        }
                        "the right PIN"
                    }
                    8 => {
                        model.unlock();
                        set_status(&db, m.guid, &model).await;
                        "an unlock"
                    }
                    _ => {
                        policy = policy_from(&mut steps);
                        "a policy change"
                    }
                };
                let stored = pin_of(&db, m.guid).await.unwrap().status;
                assert_eq!(
                    (stored.failed_logon_count, stored.locked_out, stored.last_failed_logon),
                    (model.failed_logon_count, model.locked_out, model.last_failed_logon),
                    "sequence {sequence}, step {step}, after {what}"
                );
            }
        }
    }
}
