//! The voice-access API (SPEC §3) as a telephony front end uses it: an account of the Voice
//! Access role group, calls named by the `Umpin-Call` header, on both backends.

use umpin_catalogue::cmdlets::{AddRoleGroupMember, NewManagementAccount};
use umpin_catalogue::declare::Secret;

use super::*;

/// What a telephony front end has: a token of a Voice Access account.
struct FrontEnd<'a> {
    api: &'a Api,
    token: String,
}

impl Api {
    /// A management account in `role_group`, signed in.
    pub(super) async fn account_in(&self, name: &str, role_group: &str) -> String {
        let by = Principal::local_administrator();
        let new = NewManagementAccount {
            name: name.into(),
            display_name: None,
            password: Some(Secret(SecretString::from(PASSWORD))),
        };
        new.run(&self.service, &by, None).await.unwrap();
        let member = AddRoleGroupMember { identity: role_group.into(), member: name.into() };
        member.run(&self.service, &by, None).await.unwrap();
        self.sign_in(name, PASSWORD).await.ok(200)["token"].as_str().unwrap().to_owned()
    }

    async fn front_end(&self, name: &str) -> FrontEnd<'_> {
        FrontEnd { api: self, token: self.account_in(name, "Voice Access").await }
    }
}

impl FrontEnd<'_> {
    async fn call(&self, body: Value) -> Reply {
        self.api.send(Method::POST, "/api/v1/voice/calls", Some(body), Some(&self.token)).await
    }

    /// A new call on the test dial plan; its id.
    async fn start(&self) -> String {
        self.call(json!({"dialPlan": PLAN})).await.ok(201)["callId"].as_str().unwrap().to_owned()
    }

    async fn on_call(&self, method: Method, path: &str, call: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .api
            .http
            .request(method, format!("{}/api/v1/voice/call{path}", self.api.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .header("Umpin-Call", call);
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request).await
    }

    async fn enter(&self, call: &str, extension: &str, pin: &str) -> Reply {
        self.on_call(Method::POST, "/sign-in", call, Some(json!({"extension": extension, "pin": pin}))).await
    }

    async fn record(&self, call: &str, content_type: &str, audio: Vec<u8>) -> Reply {
        let request = self
            .api
            .http
            .put(format!("{}/api/v1/voice/call/recorded-name", self.api.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .header("Umpin-Call", call)
            .header(CONTENT_TYPE, content_type)
            .body(audio);
        reply(request).await
    }
}

/// A second of 8 kHz µ-law, as a telephone records it (its bytes all ASCII, so that the
/// answer's text is the recording).
fn recording() -> Vec<u8> {
    umpin_domain::wav::wav(7, 1, 8000, 8, 1.0)
}

umpin_store::backend_tests! {
    /// A call from start to hang-up: sign-in, recorded name, first-time setup with a new PIN.
    async fn a_front_end_signs_a_caller_in_and_completes_first_time_setup(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let ivr = api.front_end("ivr").await;
        let started = ivr.call(json!({"dialPlan": PLAN})).await.ok(201);
        assert_eq!((started["dialPlan"].as_str(), started["caller"].is_null()), (Some(PLAN), true));
        let call = started["callId"].as_str().unwrap();
        let wrong = ivr.enter(call, "51234", "1111111").await.ok(200);
        assert_eq!(wrong, json!({"outcome": "wrongPin", "pinExpired": false, "firstTimeUser": false, "failuresInCall": 1, "disconnected": false}));
        let right = ivr.enter(call, "51234", "5643892").await.ok(200);
        assert_eq!(right, json!({"outcome": "signedIn", "pinExpired": false, "firstTimeUser": true, "failuresInCall": 1, "disconnected": false}));
        assert_eq!(ivr.on_call(Method::GET, "/recorded-name", call, None).await.status, 204);
        ivr.record(call, "audio/wav", recording()).await.ok(204);
        let played = ivr.on_call(Method::GET, "/recorded-name", call, None).await;
        assert_eq!((played.status, played.content_type(), played.body.as_bytes()), (200, "audio/wav", &recording()[..]));
        let setup = json!({"newPin": "8273645", "confirmPin": "8273645"});
        ivr.on_call(Method::POST, "/first-time-setup", call, Some(setup)).await.ok(204);
        let pin = api.get("/api/v1/mailboxes/tony/um/pin").await.ok(200);
        assert_eq!((pin["firstTimeUser"].as_bool(), pin["pinExpired"].as_bool()), (Some(false), Some(false)));
        let change = json!({"newPin": "9382746", "confirmPin": "9382746"});
        ivr.on_call(Method::POST, "/pin", call, Some(change)).await.ok(204);
        ivr.on_call(Method::DELETE, "", call, None).await.ok(204);
        ivr.enter(call, "51234", "9382746").await.problem(404, "call-ended");
        let again = ivr.start().await;
        assert_eq!(ivr.enter(&again, "51234", "9382746").await.ok(200)["outcome"], "signedIn");
    }

    /// Caller ID finds the mailbox, and the dialled access number the dial plan.
    async fn a_call_starts_by_access_number_and_caller_id_finds_the_mailbox(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        api.patch("/api/v1/um/dial-plans/MyUMDialPlan", json!({"accessTelephoneNumbers": ["+14255550100"]})).await.ok(200);
        api.patch("/api/v1/mailboxes/tony", json!({"phone": "+1 425 555 1234"})).await.ok(200);
        let ivr = api.front_end("ivr").await;
        let started = ivr.call(json!({"accessNumber": "+14255550100", "callerId": "+14255551234"})).await.ok(201);
        assert_eq!(started["dialPlan"], PLAN);
        assert_eq!(started["caller"], json!({"displayName": "Tony Smith", "extension": "51234", "pinlessVoiceMail": false}));
        let call = started["callId"].as_str().unwrap();
        let signed_in = ivr.on_call(Method::POST, "/sign-in", call, Some(json!({"pin": "5643892"}))).await.ok(200);
        assert_eq!(signed_in["outcome"], "signedIn");
        ivr.call(json!({"accessNumber": "+14255550199"})).await.problem(404, "not-found");
        ivr.call(json!({})).await.problem(400, "invalid-parameter");
    }

    /// After `LogonFailuresBeforeDisconnect` (3) failures the call ends; a locked-out mailbox
    /// ends it at once.
    async fn a_call_is_disconnected_after_three_failures_and_on_a_locked_out_mailbox(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let ivr = api.front_end("ivr").await;
        let call = ivr.start().await;
        let failures: Vec<(i64, bool)> = {
            let mut seen = Vec::new();
            for extension in ["51234", "59999", "51234"] {
                let r = ivr.enter(&call, extension, "1111111").await.ok(200);
                assert_eq!(r["outcome"], "wrongPin");
                seen.push((r["failuresInCall"].as_i64().unwrap(), r["disconnected"].as_bool().unwrap()));
            }
            seen
        };
        assert_eq!(failures, [(1, false), (2, false), (3, true)]);
        ivr.enter(&call, "51234", "5643892").await.problem(404, "call-ended");
        api.post("/api/v1/mailboxes/tony/um/pin/lock", json!({})).await.ok(200);
        let call = ivr.start().await;
        let locked = ivr.enter(&call, "51234", "5643892").await.ok(200);
        assert_eq!((locked["outcome"].as_str(), locked["disconnected"].as_bool()), (Some("lockedOut"), Some(true)));
    }

    /// A caller ID whose wrong PINs reach the threshold of distinct extensions (10 by default)
    /// is listed at /api/v1/voice/spray-blocks; an administrator lifts the block with DELETE,
    /// which a front end may not, and the source signs in again.
    async fn a_spray_block_is_listed_and_lifted_through_the_api(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let ivr = api.front_end("ivr").await;
        let from_sprayer = json!({"dialPlan": PLAN, "callerId": "+1 425 555 0199"});
        for n in 0..10 {
            let call = ivr.call(from_sprayer.clone()).await.ok(201)["callId"].as_str().unwrap().to_owned();
            assert_eq!(ivr.enter(&call, &format!("5900{n}"), "1111111").await.ok(200)["outcome"], "wrongPin");
        }
        let listed = api.get("/api/v1/voice/spray-blocks").await.ok(200);
        let blocks = listed["items"].as_array().unwrap();
        assert_eq!(blocks.len(), 1, "{listed}");
        assert_eq!((blocks[0]["source"].as_str(), blocks[0]["mailboxes"].as_i64()), (Some("caller-id:14255550199"), Some(10)));
        assert!(blocks[0]["blockedUntil"].as_str().unwrap() > blocks[0]["blockedAt"].as_str().unwrap());
        let call = ivr.call(from_sprayer.clone()).await.ok(201)["callId"].as_str().unwrap().to_owned();
        assert_eq!(ivr.enter(&call, "51234", "5643892").await.ok(200)["outcome"], "wrongPin", "the right PIN is refused while blocked");

        let path = "/api/v1/voice/spray-blocks/caller-id:14255550199";
        api.send(Method::GET, "/api/v1/voice/spray-blocks", None, Some(&ivr.token)).await.problem(403, "permission-denied");
        api.send(Method::DELETE, path, None, Some(&ivr.token)).await.problem(403, "permission-denied");
        let viewer = api.account_in("viewer", "View-Only Organization Management").await;
        assert_eq!(api.send(Method::GET, "/api/v1/voice/spray-blocks", None, Some(&viewer)).await.ok(200)["items"].as_array().unwrap().len(), 1);
        api.send(Method::DELETE, path, None, Some(&viewer)).await.problem(403, "permission-denied");
        api.delete(path).await.ok(204);
        assert!(api.delete(path).await.problem(404, "not-found").contains("caller-id:14255550199"));
        assert!(api.delete("/api/v1/voice/spray-blocks/anonymous").await.problem(400, "invalid-parameter").contains("caller-id:"));
        assert_eq!(api.get("/api/v1/voice/spray-blocks").await.ok(200)["items"], json!([]));
        let call = ivr.call(from_sprayer).await.ok(201)["callId"].as_str().unwrap().to_owned();
        assert_eq!(ivr.enter(&call, "51234", "5643892").await.ok(200)["outcome"], "signedIn");
        let audit = api.cmdlet("Search-AdminAuditLog", json!({"parameters": {"Cmdlets": "Clear-UMSprayBlock", "IsSuccess": true}})).await.ok(200);
        assert_eq!(audit["objects"].as_array().unwrap().len(), 1, "the lifting is audited: {audit}");
    }

    /// Only Voice Access (and Organization Management, which has everything) may use the voice
    /// API, and a call only by the account that started it.
    async fn the_voice_api_needs_voice_access_and_a_call_belongs_to_its_front_end(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let help_desk = api.account_in("helpdesk1", "Help Desk").await;
        let denied = api.send(Method::POST, "/api/v1/voice/calls", Some(json!({"dialPlan": PLAN})), Some(&help_desk)).await;
        assert!(denied.problem(403, "permission-denied").contains("Voice access"));
        api.send(Method::POST, "/api/v1/voice/calls", Some(json!({"dialPlan": PLAN})), None).await.problem(401, "not-authenticated");
        let ivr = api.front_end("ivr").await;
        let other = api.front_end("ivr2").await;
        let call = ivr.start().await;
        other.enter(&call, "51234", "5643892").await.problem(404, "call-ended");
        assert_eq!(ivr.enter(&call, "51234", "5643892").await.ok(200)["outcome"], "signedIn");
    }

    /// Bad input on the voice API is a 4xx problem that says what to do.
    async fn bad_voice_requests_are_4xx_problems(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let ivr = api.front_end("ivr").await;
        let call = ivr.start().await;
        let no_header = api.send(Method::POST, "/api/v1/voice/call/sign-in", Some(json!({"pin": "1"})), Some(&ivr.token)).await;
        assert!(no_header.problem(400, "bad-request").contains("Umpin-Call"));
        ivr.on_call(Method::POST, "/pin", &call, Some(json!({"newPin": "8273645", "confirmPin": "8273645"}))).await.problem(409, "not-signed-in");
        ivr.on_call(Method::POST, "/sign-in", &call, Some(json!({"pin": "5643892", "extra": 1}))).await.problem(400, "invalid-body");
        ivr.on_call(Method::POST, "/sign-in", &call, Some(json!({"pin": 5643892}))).await.problem(400, "invalid-body");
        ivr.enter(&call, "51234", "5643892").await.ok(200);
        let differ = json!({"newPin": "8273645", "confirmPin": "8273646"});
        ivr.on_call(Method::POST, "/pin", &call, Some(differ)).await.problem(422, "pin-rule");
        let short = json!({"newPin": "1234", "confirmPin": "1234"});
        ivr.on_call(Method::POST, "/pin", &call, Some(short)).await.problem(422, "pin-rule");
        let setup = json!({"newPin": "8273645", "confirmPin": "8273645"});
        ivr.on_call(Method::POST, "/first-time-setup", &call, Some(setup)).await.problem(422, "rule-violation");
        ivr.on_call(Method::POST, "/sign-in", "umpin_not_a_call", Some(json!({"pin": "1"}))).await.problem(404, "call-ended");
    }

    /// A recorded name must be telephone audio in a WAV file: anything else is refused with a
    /// problem that says what is accepted (415 for another media type, 422 for another WAV). A
    /// recording over the server's body limit is refused before it is read, as every body is
    /// (`an_oversize_body_is_a_413_problem`): a client still sending it may see the connection
    /// closed before the answer, so it isn't sent here.
    async fn a_recorded_name_that_is_not_telephone_wav_is_refused_saying_what_is_accepted(db: Database) {
        use umpin_domain::wav::wav;
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        let ivr = api.front_end("ivr").await;
        let call = ivr.start().await;
        ivr.enter(&call, "51234", "5643892").await.ok(200);
        let other_type = ivr.record(&call, "audio/mpeg", recording()).await.problem(415, "unsupported-media-type");
        assert!(other_type.contains("audio/wav") && other_type.contains("8 or 16 kHz"), "{other_type}");
        let mut cut_short = wav(1, 1, 8000, 16, 1.0);
        cut_short.truncate(1000);
        let mut mp3 = b"ID3\x04\x00".to_vec();
        mp3.resize(2000, 0);
        for (audio, why) in [
            (mp3, "isn't a WAV file"),
            (wav(1, 2, 8000, 16, 1.0), "2 channels"),
            (wav(1, 1, 44100, 16, 1.0), "44100 Hz"),
            (wav(0x55, 1, 8000, 16, 1.0), "format 0x0055"),
            (wav(1, 1, 8000, 24, 1.0), "24 bits per sample"),
            (wav(7, 1, 8000, 8, 61.0), "61 seconds long, longer than 60"),
            (cut_short, "cut short"),
        ] {
            let refused = ivr.record(&call, "audio/wav", audio).await.problem(422, "rule-violation");
            assert!(refused.contains(why), "{why}: {refused}");
            assert!(refused.contains("at most 60 seconds long"), "{refused}");
        }
        for accepted in [wav(1, 1, 16000, 16, 30.0), wav(6, 1, 8000, 8, 60.0), wav(1, 1, 8000, 8, 0.5)] {
            ivr.record(&call, "audio/wav", accepted).await.ok(204);
        }
    }

    /// Neither the PINs a caller enters nor the call's id reach a log line; the PINs reach no
    /// answer either.
    async fn a_callers_pins_and_the_call_id_appear_in_no_log_and_no_answer(db: Database) {
        let api = Api::start(db).await;
        api.contoso("60418273").await;
        let ivr = api.front_end("ivr").await;
        let call = ivr.start().await;
        let answers = [
            ivr.enter(&call, "51234", "60418279").await,
            ivr.enter(&call, "51234", "60418273").await,
            ivr.on_call(Method::POST, "/pin", &call, Some(json!({"newPin": "60418274", "confirmPin": "60418275"}))).await,
            ivr.on_call(Method::POST, "/first-time-setup", &call, Some(json!({"newPin": "60418276", "confirmPin": "60418276", "skipRecordedName": true}))).await,
        ];
        assert_eq!(answers.iter().map(|a| a.status).collect::<Vec<_>>(), [200, 200, 422, 204]);
        let logs = logs();
        assert!(logs.contains("/api/v1/voice/call/sign-in"), "logs are captured");
        assert!(!logs.contains(&call), "the call id is in the logs");
        for pin in ["60418273", "60418279", "60418274", "60418275", "60418276"] {
            assert!(!logs.contains(pin), "the PIN {pin} is in the logs");
            assert!(answers.iter().all(|a| !a.body.contains(pin)), "the PIN {pin} is in an answer");
        }
    }

    /// Switching PIN-less voice mail on answers with the warning that caller ID can be forged; a
    /// call from the user's own phone is then told `pinlessVoiceMail`, and the metrics count it.
    async fn pinless_voice_mail_warns_when_switched_on_and_a_call_from_the_users_phone_is_told_and_counted(db: Database) {
        let api = Api::start(db).await;
        api.contoso("5643892").await;
        api.patch("/api/v1/mailboxes/tony", json!({"phone": "+1 425 555 1234"})).await.ok(200);
        let ivr = api.front_end("ivr").await;
        let call = ivr.start().await;
        ivr.enter(&call, "51234", "5643892").await.ok(200);
        let setup = json!({"newPin": "8273645", "confirmPin": "8273645", "skipRecordedName": true});
        ivr.on_call(Method::POST, "/first-time-setup", &call, Some(setup)).await.ok(204);
        let policy = api.patch(&format!("/api/v1/um/mailbox-policies/{POLICY}"), json!({"allowPinlessVoiceMailAccess": true})).await.ok(200);
        assert_eq!(policy["allowPinlessVoiceMailAccess"], true);
        assert!(policy["warnings"][0].as_str().unwrap().contains("caller ID"), "{policy}");
        let um = api.patch("/api/v1/mailboxes/tony/um", json!({"pinlessAccessToVoiceMailEnabled": true})).await.ok(200);
        assert!(um["warnings"][0].as_str().unwrap().contains("caller ID"), "{um}");
        let read = api.get("/api/v1/mailboxes/tony/um").await.ok(200);
        assert_eq!((read["pinlessAccessToVoiceMailEnabled"].as_bool(), read.get("warnings")), (Some(true), None));
        let off = api.patch("/api/v1/mailboxes/tony/um", json!({"pinlessAccessToVoiceMailEnabled": false})).await.ok(200);
        assert_eq!(off.get("warnings"), None, "switching it off warns of nothing");
        api.patch("/api/v1/mailboxes/tony/um", json!({"pinlessAccessToVoiceMailEnabled": true})).await.ok(200);
        let started = ivr.call(json!({"dialPlan": PLAN, "callerId": "+14255551234"})).await.ok(201);
        assert_eq!(started["caller"], json!({"displayName": "Tony Smith", "extension": "51234", "pinlessVoiceMail": true}));
        let typed = ivr.call(json!({"dialPlan": PLAN, "callerId": "51234"})).await.ok(201);
        assert_eq!(typed["caller"]["pinlessVoiceMail"], false, "an extension is not the user's own phone");
        let metrics = api.send(Method::GET, "/metrics", None, None).await;
        let counted = metrics.body.lines().find_map(|l| l.strip_prefix("umpin_voice_pinless_accesses_total "));
        assert!(counted.is_some_and(|n| n.trim().parse::<f64>().unwrap() >= 1.0), "{}", metrics.body);
    }
}
