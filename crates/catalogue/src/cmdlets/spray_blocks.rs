//! `Get-UMSprayBlock` and `Clear-UMSprayBlock`: the sources of voice sign-ins refused for a
//! cool-down after their failed sign-ins reached too many mailboxes (SPEC §3.3a).

use umpin_service::{Principal, Service, ServiceError, SprayBlock};

use crate::binding::{Batch, PageRequest};
use crate::declare::{FromPipeline, Parameter, cmdlet};
use crate::views;

const IDENTITY_SOURCE: Parameter = Parameter::named(
    "Identity",
    "The source as Get-UMSprayBlock shows it (caller-id:14255550199, or account:NAME for a front-end account's calls without caller ID), or the caller's number.",
)
.at(1)
.piped(FromPipeline::Both);

cmdlet! {
    /// `Get-UMSprayBlock`.
    GetUmSprayBlock = "Get-UMSprayBlock" {
        synopsis: "Shows the sources whose voice sign-ins are refused because they failed on too many mailboxes, and until when.",
        changes_state: false,
        object: identity,
        examples: [
            ("Get-UMSprayBlock", "Lists every block in force."),
            ("Get-UMSprayBlock '+1 425 555 0199'", "Shows whether calls from this number are refused."),
        ],
        parameters: {
            identity: Option<String> = IDENTITY_SOURCE,
        },
    }
}

impl GetUmSprayBlock {
    /// Runs it; the block of the source named, or every block in force.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<Vec<SprayBlock>, ServiceError> {
        let operation = self.operation();
        s.get_spray_blocks(by, operation, self.identity.as_deref()).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        Ok(super::all(&self.call(s, by).await?, views::spray_block))
    }
}

cmdlet! {
    /// `Clear-UMSprayBlock`.
    ClearUmSprayBlock = "Clear-UMSprayBlock" {
        synopsis: "Lifts the block of a source before its cool-down ends; its failed sign-ins are forgotten.",
        changes_state: true,
        object: identity,
        examples: [
            ("Clear-UMSprayBlock caller-id:14255550199", "Lets calls from +1 425 555 0199 sign in again."),
            ("Get-UMSprayBlock | Clear-UMSprayBlock", "Lifts every block."),
        ],
        parameters: {
            identity: String = IDENTITY_SOURCE,
        },
    }
}

impl ClearUmSprayBlock {
    /// Runs it.
    pub async fn call(self, s: &Service, by: &Principal) -> Result<(), ServiceError> {
        let operation = self.operation();
        s.clear_spray_block(by, operation, &self.identity).await
    }

    pub async fn run(self, s: &Service, by: &Principal, _: Option<&PageRequest>) -> Result<Batch, ServiceError> {
        self.call(s, by).await?;
        Ok(Batch::default())
    }
}
