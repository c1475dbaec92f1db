//! Running scripts: statements, pipelines and expressions, with parameter binding.
//!
//! Pipelines are push-based like PowerShell's: the first command produces objects in batches (a
//! listing cmdlet one page at a time), each object goes through the following commands at once,
//! and commands that need every object (Sort-Object, the formatters) emit theirs at the end.
//! Measure-Object counts as objects pass and the default display writes each page as it comes, so
//! `Get-UMMailboxPIN -ResultSize Unlimited | Measure-Object` holds one page at a time.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::ast::{
    Argument as Arg, BinaryOp, Command, Expr, ExprKind, Pipeline, PipelineElement, Script, Statement, UnaryOp,
};
use crate::backend::Backend;
use crate::format::{self, View};
use crate::registry::{self, CmdletInfo, FromPipeline, Kind, RunsOn};
use crate::{help, parse, properties};
use umpin_catalogue::binding::{Argument, Arguments, Batch, Invocation, PageRequest};
use umpin_catalogue::value::{Object, Value, is_wildcard};

/// The most objects one listing page holds.
const PAGE_SIZE: u32 = 1000;
/// The default `-ResultSize`.
const DEFAULT_RESULT_SIZE: u64 = umpin_catalogue::cmdlets::DEFAULT_RESULT_SIZE.unsigned_abs();

/// Where the shell writes: output, errors and warnings.
pub trait Console {
    fn output(&mut self, text: &str);
    fn error(&mut self, text: &str);
    fn warning(&mut self, text: &str);
    /// Asks whether to go on with a change; `None` when nobody can be asked (a run that isn't
    /// interactive), which goes on.
    fn confirm(&mut self, question: &str) -> Option<Answer>;
    /// Shows how far a statement that changes many objects has come (`None`: it is over). A
    /// console that isn't a terminal shows nothing.
    fn progress(&mut self, status: Option<&str>);
    /// Whether someone at a terminal can be asked for what is missing (the interactive shell).
    fn interactive(&self) -> bool;
    /// Asks for the value of a mandatory parameter that wasn't given, after `prompt` (`Identity: `),
    /// without echo when `secret`; `None` at the end of input.
    fn ask(&mut self, prompt: &str, secret: bool) -> Option<String>;
}

/// An answer to a confirmation prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    YesToAll,
    No,
    NoToAll,
}

impl Answer {
    /// The answer a typed reply means: `Y` (or nothing), `A`, `N`, `L`; `None` for anything else.
    pub fn parse(reply: &str) -> Option<Answer> {
        match reply.trim().to_ascii_uppercase().as_str() {
            "" | "Y" => Some(Answer::Yes),
            "A" => Some(Answer::YesToAll),
            "N" => Some(Answer::No),
            "L" => Some(Answer::NoToAll),
            _ => None,
        }
    }
}

/// A shell session: variables, the backend, the console.
pub struct Shell<C: Console> {
    backend: Backend,
    console: C,
    variables: HashMap<String, Value>,
    /// The terminal width tables are cut to.
    pub width: usize,
    /// How many errors were reported (a non-interactive run fails when any was).
    pub errors: usize,
    /// "Yes to All" (`Some(true)`) or "No to All" (`Some(false)`) within the current statement.
    confirm_all: Option<bool>,
    /// How many changes the current statement has made.
    changes: u64,
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An error that stops a command: `<Cmdlet> : <message>`.
struct Failure {
    cmdlet: String,
    message: String,
}

fn fail(cmdlet: &str, message: impl Into<String>) -> Failure {
    Failure { cmdlet: cmdlet.to_owned(), message: message.into() }
}

/// One command of a running pipeline, with what it has accumulated.
struct Stage<'a> {
    cmdlet: &'static CmdletInfo,
    command: &'a Command,
    /// Where the command stands in its pipeline, counted from 1 (a value that starts the
    /// pipeline counts), as PowerShell names it when it asks for a missing parameter.
    position: usize,
    /// Objects held until the end (Sort-Object, the formatters, Export-Csv).
    held: Vec<Value>,
    /// How many objects Select-Object -First has let through, or Measure-Object has counted.
    passed: u64,
    /// The command reported an error that every later object would repeat (a property name that
    /// matches nothing): it passes nothing more on.
    stopped: bool,
    /// Measure-Object's running figures over its property: sum, minimum, maximum.
    figures: Option<(i64, i64, i64)>,
    /// The arguments, bound once: a shell-run command and the first command of a pipeline take
    /// nothing from the pipeline object, so one binding serves every object and every page.
    bound: Option<Invocation>,
}

impl<C: Console + Send> Shell<C> {
    pub fn new(backend: impl Into<Backend>, console: C) -> Self {
        Shell {
            backend: backend.into(),
            console,
            variables: HashMap::new(),
            width: 120,
            errors: 0,
            confirm_all: None,
            changes: 0,
        }
    }

    /// Runs a script; errors are reported on the console and counted. Returns whether it ran
    /// without error.
    pub async fn run(&mut self, source: &str) -> bool {
        let before = self.errors;
        match parse(source) {
            Ok(script) => {
                for statement in &script.statements {
                    self.statement(statement).await;
                }
            }
            Err(e) => self.report(&fail("ParserError", e.to_string())),
        }
        self.errors == before
    }

    fn report(&mut self, f: &Failure) {
        self.errors += 1;
        let text = format!("{} : {}", f.cmdlet, f.message);
        self.console.error(&text);
    }

    async fn statement(&mut self, statement: &Statement) {
        self.confirm_all = None;
        self.changes = 0;
        self.run_statement(statement).await;
        if self.changes > 1 {
            self.console.progress(None);
        }
    }

    async fn run_statement(&mut self, statement: &Statement) {
        match statement {
            Statement::Assignment { variable, pipeline, .. } => {
                let mut out = Vec::new();
                self.pipeline(pipeline, &mut out, None).await;
                let value = match out.len() {
                    0 => Value::Null,
                    1 => out.remove(0),
                    _ => Value::Array(out),
                };
                self.variables.insert(variable.to_lowercase(), value);
            }
            Statement::Pipeline(pipeline) => {
                let mut shown = Vec::new();
                let mut display = Display::default();
                self.pipeline(pipeline, &mut shown, Some(&mut display)).await;
                let text = display.show(&shown, self.width) + &display.close();
                if !text.is_empty() {
                    self.console.output(&text);
                }
            }
        }
    }

    /// Runs a pipeline, pushing its output into `sink`. Errors are reported, not returned: a
    /// failing object doesn't stop the others.
    /// With `display`, what reached the sink is shown after each page of the first command.
    fn pipeline<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        sink: &'a mut Vec<Value>,
        mut display: Option<&'a mut Display>,
    ) -> Boxed<'a, ()>
    where
        C: 'a,
    {
        Box::pin(async move {
            // `Cmdlet -?` anywhere in the pipeline shows the cmdlet's help instead of running it.
            for element in &pipeline.elements {
                if let PipelineElement::Command(command) = element
                    && asks_for_help(command)
                    && let Some(cmdlet) = registry::find(&command.name)
                    && let Ok(text) = help::page(cmdlet, &help::Detail::Brief)
                {
                    sink.push(Value::Str(text));
                    return;
                }
            }
            let mut stages = Vec::new();
            let mut source = None;
            for (i, element) in pipeline.elements.iter().enumerate() {
                match element {
                    PipelineElement::Expression(expr) if i == 0 => source = Some(expr),
                    PipelineElement::Expression(_) => {
                        return self
                            .report(&fail("ParserError", "Only the first element of a pipeline can be a value."));
                    }
                    PipelineElement::Command(command) => match registry::find(&command.name) {
                        Some(cmdlet) => stages.push(Stage {
                            cmdlet,
                            command,
                            position: i + 1,
                            held: Vec::new(),
                            passed: 0,
                            stopped: false,
                            figures: None,
                            bound: None,
                        }),
                        None => {
                            return self.report(&fail(
                                &command.name,
                                format!(
                                    "The term '{}' is not recognized as the name of a cmdlet. Check the spelling, or run Get-Command to list the cmdlets.",
                                    command.name
                                ),
                            ));
                        }
                    },
                }
            }
            if let Some(expr) = source {
                match self.eval(expr, None).await {
                    Ok(value) => {
                        for item in value.into_items() {
                            self.push(&mut stages, 0, item, sink).await;
                        }
                    }
                    Err(message) => return self.report(&fail("InvalidOperation", message)),
                }
            } else if let Some((first, rest)) = stages.split_first_mut() {
                let mut page: Option<PageRequest> = None;
                let mut remaining: Option<u64> = None;
                loop {
                    let batch = match self.produce(first, &mut page, &mut remaining).await {
                        Ok(batch) => batch,
                        Err(f) => {
                            self.report(&f);
                            break;
                        }
                    };
                    for item in batch.objects {
                        self.push(rest, 0, item, sink).await;
                    }
                    if let Some(display) = display.as_deref_mut() {
                        let text = display.show(sink, self.width);
                        sink.clear();
                        if !text.is_empty() {
                            self.console.output(&text);
                        }
                    }
                    if page.is_none() {
                        break;
                    }
                }
                self.finish(rest, sink).await;
                return;
            }
            self.finish(&mut stages, sink).await;
        })
    }

    /// Ends each stage in order, pushing what it held into the stages after it.
    async fn finish(&mut self, stages: &mut [Stage<'_>], sink: &mut Vec<Value>) {
        for i in 0..stages.len() {
            let (done, rest) = stages.split_at_mut(i + 1);
            let outputs = match self.end(&mut done[i]).await {
                Ok(outputs) => outputs,
                Err(f) => {
                    self.report(&f);
                    Vec::new()
                }
            };
            for item in outputs {
                self.push(rest, 0, item, sink).await;
            }
        }
    }

    /// Pushes one object into `stages[index..]` and on into the sink.
    fn push<'a>(
        &'a mut self,
        stages: &'a mut [Stage<'_>],
        index: usize,
        item: Value,
        sink: &'a mut Vec<Value>,
    ) -> Boxed<'a, ()>
    where
        C: 'a,
    {
        Box::pin(async move {
            let Some(stage) = stages.get_mut(index) else {
                sink.push(item);
                return;
            };
            match self.process(stage, item).await {
                Ok(outputs) => {
                    for out in outputs {
                        self.push(stages, index + 1, out, sink).await;
                    }
                }
                Err(f) => self.report(&f),
            }
        })
    }

    /// The first command of a pipeline, called until it says it is done (`page` back to `None`).
    async fn produce(
        &mut self,
        stage: &mut Stage<'_>,
        page: &mut Option<PageRequest>,
        remaining: &mut Option<u64>,
    ) -> Result<Batch, Failure> {
        if stage.cmdlet.runs_on == RunsOn::Shell {
            let objects = self.process(stage, Value::Null).await?;
            *page = None;
            return Ok(Batch { objects, ..Batch::default() });
        }
        let inv = self.bound(stage).await?;
        let result = self.produce_with(&inv, page, remaining).await;
        stage.bound = Some(inv);
        result
    }

    /// A page (or the whole output) of a server cmdlet that starts a pipeline.
    async fn produce_with(
        &mut self,
        inv: &Invocation,
        page: &mut Option<PageRequest>,
        remaining: &mut Option<u64>,
    ) -> Result<Batch, Failure> {
        let name = inv.cmdlet.name;
        let listing =
            inv.cmdlet.parameters.iter().any(|p| p.name == "ResultSize") && inv.arguments.value("Identity").is_none();
        if !listing {
            *page = None;
            return self.call(inv, None).await;
        }
        if page.is_none() {
            let explicit = inv.arguments.value("ResultSize").cloned();
            *remaining = match explicit {
                Some(Value::Int(n)) => Some(u64::try_from(n.max(1)).unwrap_or(1)),
                Some(_) => None,
                None => Some(DEFAULT_RESULT_SIZE),
            };
            *page = Some(PageRequest { after: None, size: PAGE_SIZE });
        }
        let request = page.as_mut().map(|p| {
            p.size = remaining.map_or(PAGE_SIZE, |r| u32::try_from(r.min(u64::from(PAGE_SIZE))).unwrap_or(PAGE_SIZE));
            p.clone()
        });
        let batch = self.call(inv, request.as_ref()).await.map_err(|f| fail(name, f.message))?;
        if let Some(r) = remaining.as_mut() {
            *r = r.saturating_sub(batch.objects.len() as u64);
        }
        match (&batch.next, *remaining) {
            (Some(next), None) | (Some(next), Some(1..)) => {
                *page = Some(PageRequest { after: Some(next.clone()), size: PAGE_SIZE })
            }
            (Some(_), Some(0)) => {
                let shown = inv.arguments.value("ResultSize").map_or(DEFAULT_RESULT_SIZE.to_string(), Value::to_text);
                self.console.warning(&format!(
                    "WARNING: More results exist than the {shown} shown. Use -ResultSize to see more, or -ResultSize Unlimited to see all."
                ));
                *page = None;
            }
            (None, _) => *page = None,
        }
        Ok(batch)
    }

    /// Runs a bound server cmdlet (or says what it would do, with `-WhatIf`).
    async fn call(&mut self, inv: &Invocation, page: Option<&PageRequest>) -> Result<Batch, Failure> {
        if inv.cmdlet.changes_state && !inv.cmdlet.answers_what_if() && inv.arguments.flag("WhatIf") == Some(true) {
            let target = inv.arguments.text("Identity").or_else(|| inv.arguments.text("Name")).unwrap_or_default();
            self.console.output(&format!(
                "What if: Performing the operation \"{}\" on target \"{target}\".\n",
                inv.cmdlet.name
            ));
            return Ok(Batch::default());
        }
        if inv.cmdlet.changes_state && !self.confirmed(inv) {
            return Ok(Batch::default());
        }
        if inv.cmdlet.changes_state {
            self.changes += 1;
            if self.changes > 1 {
                self.console.progress(Some(&format!("{}: {} objects processed", inv.cmdlet.name, self.changes)));
            }
        }
        let batch = self.backend.invoke(inv, page).await.map_err(|e| fail(inv.cmdlet.name, e))?;
        for w in &batch.warnings {
            self.console.warning(&format!("WARNING: {w}"));
        }
        Ok(Batch { warnings: Vec::new(), ..batch })
    }

    /// Whether a change may go ahead: asked when `-Confirm` is given, and for removals unless
    /// `-Confirm:$false`, as Exchange does; only an interactive console is asked.
    fn confirmed(&mut self, inv: &Invocation) -> bool {
        let ask = match inv.arguments.flag("Confirm") {
            Some(confirm) => confirm,
            None => inv.cmdlet.name.starts_with("Remove-"),
        };
        if !ask {
            return true;
        }
        if let Some(all) = self.confirm_all {
            return all;
        }
        let target = inv.arguments.text("Identity").or_else(|| inv.arguments.text("Name")).unwrap_or_default();
        let question = format!(
            "Confirm\nAre you sure you want to perform this action?\nPerforming the operation \"{}\" on target \"{target}\".\n\
             [Y] Yes  [A] Yes to All  [N] No  [L] No to All (default is \"Y\"): ",
            inv.cmdlet.name
        );
        match self.console.confirm(&question) {
            None | Some(Answer::Yes) => true,
            Some(Answer::No) => false,
            Some(Answer::YesToAll) => {
                self.confirm_all = Some(true);
                true
            }
            Some(Answer::NoToAll) => {
                self.confirm_all = Some(false);
                false
            }
        }
    }

    /// One object through one command.
    async fn process(&mut self, stage: &mut Stage<'_>, item: Value) -> Result<Vec<Value>, Failure> {
        let cmdlet = stage.cmdlet;
        let input = (!matches!(item, Value::Null)).then_some(&item);
        if cmdlet.runs_on == RunsOn::Server {
            let inv = self.bind(stage, input).await?;
            return Ok(self.call(&inv, None).await?.objects);
        }
        let inv = self.bound(stage).await?;
        let result = self.process_with(stage, &inv, item).await;
        stage.bound = Some(inv);
        result
    }

    /// The arguments of a command that takes nothing from the pipeline object: bound at the first
    /// call, then kept in the stage (which gets them back after each use).
    async fn bound(&mut self, stage: &mut Stage<'_>) -> Result<Invocation, Failure> {
        match stage.bound.take() {
            Some(inv) => Ok(inv),
            None => self.bind(stage, None).await,
        }
    }

    /// One object through a shell-run command, with its bound arguments.
    async fn process_with(
        &mut self,
        stage: &mut Stage<'_>,
        inv: &Invocation,
        item: Value,
    ) -> Result<Vec<Value>, Failure> {
        let name = stage.cmdlet.name;
        match name {
            "Where-Object" => {
                let keep = if let Some(script) = script_of(stage.command) {
                    self.run_block(script, &item).await.map_err(|m| fail(name, m))?.is_true()
                } else {
                    let property = inv.arguments.text("Property").unwrap_or_default();
                    let actual = item.member(&property);
                    match (comparison(inv), inv.arguments.value("Value")) {
                        (Some(op), Some(expected)) => compare(op, &actual, expected),
                        (Some(_), None) => {
                            return Err(fail(name, "A comparison needs a value: Where-Object Property -eq Value."));
                        }
                        (None, _) => actual.is_true(),
                    }
                };
                Ok(if keep { vec![item] } else { Vec::new() })
            }
            "ForEach-Object" => {
                if let Some(script) = script_of(stage.command) {
                    Ok(self.run_block(script, &item).await.map_err(|m| fail(name, m))?.into_items())
                } else {
                    let member = inv.arguments.text("MemberName").unwrap_or_default();
                    Ok(item.member(&member).into_items())
                }
            }
            "Select-Object" => {
                if inv.arguments.number("First").is_some_and(|first| stage.passed >= u64::try_from(first).unwrap_or(0))
                {
                    return Ok(Vec::new());
                }
                stage.passed += 1;
                if let Some(property) = inv.arguments.text("ExpandProperty") {
                    return Ok(item.member(&property).into_items());
                }
                let excluded = inv.arguments.texts("ExcludeProperty").unwrap_or_default();
                let patterns = match inv.arguments.texts("Property") {
                    Some(patterns) => patterns,
                    None if excluded.is_empty() => return Ok(vec![item]),
                    None => vec!["*".to_owned()],
                };
                if stage.stopped {
                    return Ok(Vec::new());
                }
                let names = properties::select(&item, &patterns, &excluded).map_err(|m| {
                    stage.stopped = true;
                    fail(name, m)
                })?;
                let type_name = match &item {
                    Value::Object(o) => format!("Selected.{}", o.type_name),
                    _ => "Selected".to_owned(),
                };
                let properties = names.into_iter().map(|n| (n.clone(), item.member(&n))).collect();
                Ok(vec![Object { type_name, properties }.into()])
            }
            "Write-Host" => {
                let value =
                    if matches!(item, Value::Null) { inv.arguments.value("Object").cloned() } else { Some(item) };
                let separator = inv.arguments.text("Separator").unwrap_or_else(|| " ".to_owned());
                let mut text = value
                    .map(|v| leaves(v).iter().map(Value::to_text).collect::<Vec<_>>().join(&separator))
                    .unwrap_or_default();
                if inv.arguments.flag("NoNewline") != Some(true) {
                    text.push('\n');
                }
                self.console.output(&text);
                Ok(Vec::new())
            }
            "Write-Output" => Ok(match item {
                Value::Null => inv.arguments.value("InputObject").cloned().map(Value::into_items).unwrap_or_default(),
                item => vec![item],
            }),
            "Import-Csv" => {
                let path = inv.arguments.text("Path").unwrap_or_default();
                let text = read_limited(&path).map_err(|m| fail(name, m))?;
                format::parse_csv(&text).map_err(|m| fail(name, m))
            }
            "Get-Help" => {
                let detail = if let Some(parameter) = inv.arguments.text("Parameter") {
                    help::Detail::Parameter(parameter)
                } else if inv.arguments.flag("Full") == Some(true) {
                    help::Detail::Full
                } else if inv.arguments.flag("Detailed") == Some(true) {
                    help::Detail::Detailed
                } else if inv.arguments.flag("Examples") == Some(true) {
                    help::Detail::Examples
                } else {
                    help::Detail::Brief
                };
                help::help(inv.arguments.text("Name").as_deref(), &detail).map_err(|m| fail(name, m))
            }
            "Get-Command" => {
                let pattern = |p: &str| inv.arguments.text(p).unwrap_or_else(|| "*".to_owned());
                let found = help::commands(&pattern("Name"), &pattern("Verb"), &pattern("Noun"));
                if found.is_empty() && inv.arguments.text("Name").is_some_and(|n| !is_wildcard(&n)) {
                    return Err(fail(
                        name,
                        format!(
                            "The term '{}' is not recognized as the name of a cmdlet. Run Get-Command to list the cmdlets.",
                            pattern("Name")
                        ),
                    ));
                }
                if inv.arguments.flag("Syntax") == Some(true) {
                    return Ok(found
                        .iter()
                        .filter_map(|c| registry::find(&c.member("Name").to_text()))
                        .map(|c| Value::Str(format!("\n{}\n", help::syntax(c))))
                        .collect());
                }
                Ok(found)
            }
            "Measure-Object" => {
                // Counted as it passes, so that a listing of any size is measured in constant memory.
                if !matches!(item, Value::Null) {
                    stage.passed += 1;
                    if let Some(Value::Int(n)) = inv.arguments.text("Property").map(|p| item.member(&p)) {
                        let (sum, min, max) = stage.figures.unwrap_or((0, n, n));
                        stage.figures = Some((sum.saturating_add(n), min.min(n), max.max(n)));
                    }
                }
                Ok(Vec::new())
            }
            _ => {
                if !matches!(item, Value::Null) {
                    stage.held.push(item);
                }
                Ok(Vec::new())
            }
        }
    }

    /// The end of a command: what it held, sorted, measured or formatted.
    async fn end(&mut self, stage: &mut Stage<'_>) -> Result<Vec<Value>, Failure> {
        if stage.cmdlet.runs_on == RunsOn::Server {
            return Ok(Vec::new());
        }
        let held = std::mem::take(&mut stage.held);
        let name = stage.cmdlet.name;
        let inv = self.bound(stage).await?;
        let patterns = inv.arguments.texts("Property").unwrap_or_default();
        // Sort-Object, Group-Object and Format-Table take their properties from the first object.
        let properties = match held.first() {
            Some(first) if !patterns.is_empty() && name != "Format-List" => {
                properties::expand(first, &patterns).map_err(|m| fail(name, m))?
            }
            _ => Vec::new(),
        };
        let width = match inv.arguments.number("Width") {
            None => self.width,
            Some(w @ 1..=10_000) => usize::try_from(w).unwrap_or(self.width),
            Some(w) => return Err(fail(name, format!("-Width {w} is out of range: give 1 to 10000 characters."))),
        };
        Ok(match name {
            "Sort-Object" => {
                let mut sorted = held;
                let keys = properties;
                sorted.sort_by(|a, b| {
                    let ord = if keys.is_empty() {
                        a.compare(b)
                    } else {
                        keys.iter()
                            .map(|k| a.member(k).compare(&b.member(k)))
                            .find(|o| *o != Some(std::cmp::Ordering::Equal))
                            .flatten()
                    };
                    ord.unwrap_or(std::cmp::Ordering::Equal)
                });
                if inv.arguments.flag("Descending") == Some(true) {
                    sorted.reverse();
                }
                sorted
            }
            "Group-Object" => group(held, &properties, inv.arguments.flag("NoElement") == Some(true)),
            "Measure-Object" => vec![measure(stage.passed, stage.figures, inv.arguments.text("Property").as_deref())],
            "Format-Table" => {
                // Without properties, a type's table view gives the columns, as in PowerShell.
                let view = match (held.first(), properties.is_empty()) {
                    (Some(Value::Object(o)), true) => match format::default_view(o) {
                        View::Table(columns) => columns.iter().map(|c| (*c).to_owned()).collect(),
                        View::List => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                let options = format::TableOptions {
                    auto_size: inv.arguments.flag("AutoSize") == Some(true),
                    wrap: inv.arguments.flag("Wrap") == Some(true),
                    hide_headers: inv.arguments.flag("HideTableHeaders") == Some(true),
                    from_view: !view.is_empty(),
                };
                let columns = if view.is_empty() { properties } else { view };
                let table = format::table(&held, &columns, self.width, options);
                if table.removed > 0 {
                    self.console.warning(&format!(
                        "WARNING: {} columns do not fit into the display and were removed.",
                        table.removed
                    ));
                }
                vec![Value::Str(table.text)]
            }
            "Format-List" => {
                let mut text = String::new();
                for item in &held {
                    let names = if patterns.is_empty() {
                        properties::names(item)
                    } else {
                        properties::expand(item, &patterns).map_err(|m| fail(name, m))?
                    };
                    text.push_str(&format::entry(item, &names));
                }
                if !text.is_empty() {
                    text.push('\n');
                }
                vec![Value::Str(text)]
            }
            "Out-String" => {
                let text = render(&held, width);
                if inv.arguments.flag("Stream") == Some(true) {
                    text.lines().map(|l| Value::Str(l.to_owned())).collect()
                } else {
                    vec![Value::Str(text)]
                }
            }
            "Out-File" => {
                let path = inv.arguments.text("FilePath").unwrap_or_default();
                let mut file = std::fs::OpenOptions::new();
                if inv.arguments.flag("Append") == Some(true) {
                    file.append(true).create(true);
                } else {
                    file.write(true).create(true).truncate(true);
                }
                file.open(&path)
                    .and_then(|mut f| std::io::Write::write_all(&mut f, render(&held, width).as_bytes()))
                    .map_err(|e| fail(name, format!("The file {path} can't be written ({e}). Check the path.")))?;
                Vec::new()
            }
            "ConvertTo-Json" => vec![Value::Str(format::json(&held) + "\n")],
            "ConvertTo-Csv" => vec![Value::Str(format::csv(&held))],
            "Export-Csv" => {
                let path = inv.arguments.text("Path").unwrap_or_default();
                std::fs::write(&path, format::csv(&held))
                    .map_err(|e| fail(name, format!("The file {path} can't be written ({e}). Check the path.")))?;
                Vec::new()
            }
            _ => Vec::new(),
        })
    }

    /// Binds a command's arguments (and the pipeline object) to the cmdlet's parameters.
    async fn bind(&mut self, stage: &Stage<'_>, input: Option<&Value>) -> Result<Invocation, Failure> {
        let (cmdlet, command) = (stage.cmdlet, stage.command);
        let name = cmdlet.name;
        let mut bound: Vec<(&'static str, Argument)> = Vec::new();
        let mut positionals: Vec<&Expr> = Vec::new();
        let mut args = command.arguments.iter().peekable();
        while let Some(arg) = args.next() {
            match arg {
                Arg::Parameter { name: given, colon_value, .. } => {
                    let parameter = cmdlet.parameter(given).map_err(|m| fail(name, m))?;
                    if bound.iter().any(|(n, _)| *n == parameter.name) {
                        return Err(fail(
                            name,
                            format!("The parameter '{}' is given more than once. Give it once.", parameter.name),
                        ));
                    }
                    let expr = match colon_value {
                        Some(expr) => Some(expr),
                        None if parameter.kind == Kind::Switch => None,
                        None => match args.peek() {
                            Some(Arg::Positional(_)) => match args.next() {
                                Some(Arg::Positional(expr)) => Some(expr),
                                _ => None,
                            },
                            _ => {
                                return Err(fail(
                                    name,
                                    format!(
                                        "Missing an argument for parameter '{}'. Give a value of type '{}' after it.",
                                        parameter.name,
                                        parameter.kind.type_name()
                                    ),
                                ));
                            }
                        },
                    };
                    let argument = match expr {
                        Some(expr) => self.convert(cmdlet, parameter, expr).await?,
                        None => Argument::Value(Value::Bool(true)),
                    };
                    bound.push((parameter.name, argument));
                }
                Arg::Positional(expr) => positionals.push(expr),
            }
        }
        let mut position = 1;
        let mut positionals = positionals.into_iter();
        while let Some(expr) = positionals.next() {
            let parameter = loop {
                match cmdlet.positional(position) {
                    Some(p) if bound.iter().any(|(n, _)| *n == p.name) => position += 1,
                    Some(p) => break p,
                    None => {
                        return Err(fail(
                            name,
                            format!("A positional parameter cannot be found that accepts argument '{}'.", expr),
                        ));
                    }
                }
            };
            // Where-Object Name / ForEach-Object Name: the word names a property.
            let parameter = match (cmdlet.name, &expr.kind) {
                ("Where-Object", k) if !matches!(k, ExprKind::ScriptBlock(_)) && position == 1 => {
                    cmdlet.parameter("Property").map_err(|m| fail(name, m))?
                }
                ("ForEach-Object", k) if !matches!(k, ExprKind::ScriptBlock(_)) => {
                    cmdlet.parameter("MemberName").map_err(|m| fail(name, m))?
                }
                _ => parameter,
            };
            let rest: Vec<&Expr> = if parameter.remaining { positionals.by_ref().collect() } else { Vec::new() };
            let argument = if rest.is_empty() {
                self.convert(cmdlet, parameter, expr).await?
            } else {
                let mut values = Vec::new();
                for expr in std::iter::once(expr).chain(rest) {
                    values.push(self.eval(expr, None).await.map_err(|m| fail(name, m))?);
                }
                convert_value(name, parameter, Value::Array(values))?
            };
            bound.push((parameter.name, argument));
            position += 1;
        }
        if let Some(item) = input {
            for parameter in cmdlet.parameters {
                if bound.iter().any(|(n, _)| *n == parameter.name) {
                    continue;
                }
                let value = match (parameter.pipeline, item) {
                    (FromPipeline::ByValue | FromPipeline::Both, Value::Object(o))
                        if parameter.pipeline == FromPipeline::Both =>
                    {
                        o.get(parameter.name).cloned()
                    }
                    (FromPipeline::ByValue | FromPipeline::Both, scalar) if !matches!(scalar, Value::Object(_)) => {
                        Some(scalar.clone())
                    }
                    (FromPipeline::ByPropertyName, Value::Object(o)) => o.get(parameter.name).cloned(),
                    _ => None,
                };
                if let Some(value) = value.filter(|v| !matches!(v, Value::Null)) {
                    bound.push((parameter.name, convert_value(name, parameter, value)?));
                }
            }
        }
        let missing: Vec<&registry::Parameter> =
            cmdlet.parameters.iter().filter(|p| p.required && !bound.iter().any(|(n, _)| *n == p.name)).collect();
        // As PowerShell does, an interactive shell asks for what a command given no pipeline
        // input lacks; a script or `-c` fails instead.
        if !missing.is_empty() && input.is_none() && self.console.interactive() {
            bound.extend(ask_for_missing(&mut self.console, name, stage.position, &missing)?);
        } else if !missing.is_empty() {
            return Err(fail(
                name,
                format!(
                    "Cannot process the command because of missing mandatory parameters: {}. Give them and run it again.",
                    missing.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        Ok(Invocation { cmdlet, arguments: Arguments(bound) })
    }

    /// Evaluates an argument for a parameter and converts it to the parameter's kind. Numbers
    /// keep their text for text parameters, so `-PIN 0123` keeps its leading zero.
    async fn convert(
        &mut self,
        cmdlet: &CmdletInfo,
        parameter: &registry::Parameter,
        expr: &Expr,
    ) -> Result<Argument, Failure> {
        let value = match (&expr.kind, parameter.kind) {
            (ExprKind::Number { text, .. }, Kind::Text | Kind::TextList | Kind::Secret) => Value::Str(text.clone()),
            (ExprKind::Array(items), Kind::TextList | Kind::Properties) => {
                let mut values = Vec::new();
                for item in items {
                    values.push(match &item.kind {
                        ExprKind::Number { text, .. } => Value::Str(text.clone()),
                        _ => self.eval(item, None).await.map_err(|m| fail(cmdlet.name, m))?,
                    });
                }
                Value::Array(values)
            }
            (ExprKind::ScriptBlock(_), Kind::Script) => return Ok(Argument::Value(Value::Null)),
            _ => self.eval(expr, None).await.map_err(|m| fail(cmdlet.name, m))?,
        };
        convert_value(cmdlet.name, parameter, value)
    }

    /// Runs a script block with `$_` set to `item`: the value of its last statement.
    async fn run_block(&mut self, script: &Script, item: &Value) -> Result<Value, String> {
        let mut last = Value::Null;
        for statement in &script.statements {
            match statement {
                Statement::Pipeline(p) if p.elements.len() == 1 => match &p.elements[0] {
                    PipelineElement::Expression(expr) => last = self.eval(expr, Some(item)).await?,
                    PipelineElement::Command(_) => {
                        return Err("A script block here may hold expressions only, such as {$_.LockedOut -eq $true}."
                            .to_owned());
                    }
                },
                _ => {
                    return Err(
                        "A script block here may hold expressions only, such as {$_.LockedOut -eq $true}.".to_owned()
                    );
                }
            }
        }
        Ok(last)
    }

    /// Evaluates an expression; `dollar` is `$_`.
    fn eval<'a>(&'a mut self, expr: &'a Expr, dollar: Option<&'a Value>) -> Boxed<'a, Result<Value, String>>
    where
        C: 'a,
    {
        Box::pin(async move {
            Ok(match &expr.kind {
                ExprKind::String { value, .. } => Value::Str(value.clone()),
                ExprKind::BareWord(w) => Value::Str(w.clone()),
                ExprKind::Number { value, .. } => Value::Int(*value),
                ExprKind::Bool(b) => Value::Bool(*b),
                ExprKind::Null => Value::Null,
                ExprKind::Variable(name) if name == "_" => dollar.cloned().unwrap_or(Value::Null),
                ExprKind::Variable(name) => match self.variables.get(&name.to_lowercase()) {
                    Some(value) => value.clone(),
                    None => return Err(unset(name)),
                },
                ExprKind::Member { target, name } => self.eval(target, dollar).await?.member(name),
                ExprKind::Array(items) => {
                    let mut values = Vec::with_capacity(items.len());
                    for item in items {
                        values.push(self.eval(item, dollar).await?);
                    }
                    Value::Array(values)
                }
                ExprKind::ArrayExpression(script) => {
                    let mut out = Vec::new();
                    for statement in &script.statements {
                        let pipeline = match statement {
                            Statement::Pipeline(p) => p,
                            Statement::Assignment { .. } => {
                                return Err("An assignment can't be used as a value.".to_owned());
                            }
                        };
                        self.pipeline(pipeline, &mut out, None).await;
                    }
                    Value::Array(out)
                }
                ExprKind::Paren(pipeline) => {
                    let mut out = Vec::new();
                    self.pipeline(pipeline, &mut out, None).await;
                    match out.len() {
                        0 => Value::Null,
                        1 => out.remove(0),
                        _ => Value::Array(out),
                    }
                }
                ExprKind::ScriptBlock(_) => return Err("A script block can't be used as a value here.".to_owned()),
                ExprKind::Unary { op: UnaryOp::Not, operand } => {
                    Value::Bool(!self.eval(operand, dollar).await?.is_true())
                }
                ExprKind::Binary { op, left, right } => {
                    let l = self.eval(left, dollar).await?;
                    match op {
                        BinaryOp::And if !l.is_true() => Value::Bool(false),
                        BinaryOp::Or if l.is_true() => Value::Bool(true),
                        BinaryOp::And | BinaryOp::Or => Value::Bool(self.eval(right, dollar).await?.is_true()),
                        op => {
                            let r = self.eval(right, dollar).await?;
                            Value::Bool(compare(*op, &l, &r))
                        }
                    }
                }
            })
        })
    }
}

/// The script block of a Where-Object or ForEach-Object command, wherever it was given.
fn script_of(command: &Command) -> Option<&Script> {
    // `-FilterScript {…}` parses as the parameter and then a positional block: both are found here.
    command.arguments.iter().find_map(|a| match a {
        Arg::Positional(Expr { kind: ExprKind::ScriptBlock(s), .. }) => Some(s),
        Arg::Parameter { colon_value: Some(Expr { kind: ExprKind::ScriptBlock(s), .. }), .. } => Some(s),
        _ => None,
    })
}

/// Whether a command has the argument `-?`, PowerShell's request for its help.
fn asks_for_help(command: &Command) -> bool {
    command
        .arguments
        .iter()
        .any(|a| matches!(a, Arg::Positional(Expr { kind: ExprKind::BareWord(w), .. }) if w == "-?"))
}

/// The comparison switch given to the simplified Where-Object syntax.
fn comparison(inv: &Invocation) -> Option<BinaryOp> {
    [
        ("EQ", BinaryOp::Eq),
        ("NE", BinaryOp::Ne),
        ("GT", BinaryOp::Gt),
        ("GE", BinaryOp::Ge),
        ("LT", BinaryOp::Lt),
        ("LE", BinaryOp::Le),
        ("Like", BinaryOp::Like),
        ("NotLike", BinaryOp::NotLike),
    ]
    .into_iter()
    .find(|(n, _)| inv.arguments.flag(n) == Some(true))
    .map(|(_, op)| op)
}

fn compare(op: BinaryOp, l: &Value, r: &Value) -> bool {
    use std::cmp::Ordering::*;
    match op {
        BinaryOp::Eq => l.loosely_equals(r),
        BinaryOp::Ne => !l.loosely_equals(r),
        BinaryOp::Gt => l.compare(r) == Some(Greater),
        BinaryOp::Ge => matches!(l.compare(r), Some(Greater | Equal)),
        BinaryOp::Lt => l.compare(r) == Some(Less),
        BinaryOp::Le => matches!(l.compare(r), Some(Less | Equal)),
        BinaryOp::Like => l.like(&r.to_text()),
        BinaryOp::NotLike => !l.like(&r.to_text()),
        BinaryOp::Match => regex_match(l, r),
        BinaryOp::NotMatch => !regex_match(l, r),
        BinaryOp::And => l.is_true() && r.is_true(),
        BinaryOp::Or => l.is_true() || r.is_true(),
    }
}

fn regex_match(l: &Value, r: &Value) -> bool {
    regex::RegexBuilder::new(&r.to_text())
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .is_ok_and(|re| re.is_match(&l.to_text()))
}

/// The error for a variable that was never set: it names the variable, so a mistyped `$ture`
/// is caught instead of passing as `$null`.
fn unset(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let sorted = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        c.sort_unstable();
        c
    };
    let like_a_boolean = ["true", "false"].iter().any(|b| sorted(b) == sorted(&lower) || lower.starts_with(&b[..2]));
    let hint = if like_a_boolean { " The booleans are $true and $false." } else { "" };
    format!(
        "The variable '${name}' cannot be retrieved because it has not been set. Set it first (${name} = ...), or check the spelling.{hint}"
    )
}

/// Group-Object's result: one `GroupInfo` per distinct value of the properties (compared
/// without regard to case, as PowerShell does), in the order the values first came.
fn group(held: Vec<Value>, properties: &[String], no_element: bool) -> Vec<Value> {
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    for item in held {
        let key = properties.iter().map(|p| item.member(p).to_text()).collect::<Vec<_>>().join(", ");
        match groups.iter_mut().find(|(k, _)| k.to_lowercase() == key.to_lowercase()) {
            Some((_, members)) => members.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    groups
        .into_iter()
        .map(|(key, members)| {
            let mut properties = vec![("Count", Value::Int(i64::try_from(members.len()).unwrap_or(i64::MAX)))];
            properties.push(("Name", key.into()));
            if !no_element {
                properties.push(("Group", Value::Array(members)));
            }
            Object::new("GroupInfo", properties).into()
        })
        .collect()
}

/// Measure-Object's result: the count and, with `-Property`, the sum, maximum and minimum.
fn measure(count: u64, figures: Option<(i64, i64, i64)>, property: Option<&str>) -> Value {
    let mut properties = vec![("Count", Value::Int(i64::try_from(count).unwrap_or(i64::MAX)))];
    if let Some(property) = property {
        properties.push(("Sum", figures.map_or(Value::Int(0), |(sum, _, _)| Value::Int(sum))));
        properties.push(("Maximum", figures.map(|(_, _, max)| max).into()));
        properties.push(("Minimum", figures.map(|(_, min, _)| min).into()));
        properties.push(("Property", property.into()));
    }
    Object::new(format::MEASURE_INFO, properties).into()
}

fn read_limited(path: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("The file {path} can't be read ({e}). Check the path."))?;
    if meta.len() > format::MAX_CSV_BYTES as u64 {
        return Err(format!(
            "The file {path} is larger than {} MiB. Split it into smaller files.",
            format::MAX_CSV_BYTES >> 20
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("The file {path} can't be read as UTF-8 text ({e})."))
}

/// The values of an array and of the arrays in it, in order (what Write-Host writes).
fn leaves(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.into_iter().flat_map(leaves).collect(),
        other => vec![other],
    }
}

/// Asks the console for the mandatory parameters a command lacks, under PowerShell's header that
/// names the command and its place in the pipeline; a secret is asked for without echo.
fn ask_for_missing(
    console: &mut impl Console,
    cmdlet: &str,
    position: usize,
    missing: &[&registry::Parameter],
) -> Result<Vec<(&'static str, Argument)>, Failure> {
    console.output(&format!(
        "\ncmdlet {cmdlet} at command pipeline position {position}\nSupply values for the following parameters:\n"
    ));
    let mut given = Vec::new();
    for parameter in missing {
        match console.ask(&format!("{}: ", parameter.name), parameter.kind == Kind::Secret) {
            Some(answer) if !answer.trim().is_empty() => {
                let value = Value::Str(answer.trim().to_owned());
                given.push((parameter.name, convert_value(cmdlet, parameter, value)?));
            }
            _ => {
                return Err(fail(
                    cmdlet,
                    format!("The parameter '{}' can't be empty. Give a value and run it again.", parameter.name),
                ));
            }
        }
    }
    Ok(given)
}

fn convert_value(cmdlet: &str, parameter: &registry::Parameter, value: Value) -> Result<Argument, Failure> {
    umpin_catalogue::binding::convert(parameter, value).map_err(|m| fail(cmdlet, m))
}

/// The default display of a statement's output, written as it comes: a table keeps the layout
/// of the first page it is shown with, so a listing of any length is shown page by page in
/// constant memory.
#[derive(Default)]
pub struct Display {
    /// The type and layout of the table being written.
    table: Option<(String, format::Layout)>,
}

impl Display {
    /// The text of the next values: runs of objects of one type in their default view, strings
    /// and numbers as they are.
    pub fn show(&mut self, values: &[Value], width: usize) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < values.len() {
            match &values[i] {
                Value::Object(o) => {
                    let type_name = o.type_name.clone();
                    let view = format::default_view(o);
                    let run = values[i..]
                        .iter()
                        .take_while(|v| matches!(v, Value::Object(x) if x.type_name == type_name))
                        .count();
                    let slice = &values[i..i + run];
                    match view {
                        View::Table(columns) => {
                            if !matches!(&self.table, Some((t, _)) if *t == type_name) {
                                out.push_str(&self.close());
                                let options =
                                    format::TableOptions { from_view: !columns.is_empty(), ..Default::default() };
                                let columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
                                if let Some(layout) = format::Layout::new(slice, &columns, width, options) {
                                    out.push('\n');
                                    out.push_str(&layout.header());
                                    self.table = Some((type_name, layout));
                                }
                            }
                            if let Some((_, layout)) = &self.table {
                                out.push_str(&layout.rows(slice));
                            }
                        }
                        View::List => {
                            out.push_str(&self.close());
                            out.push_str(&format::list(slice));
                        }
                    }
                    i += run;
                }
                other => {
                    out.push_str(&self.close());
                    let text = other.to_text();
                    if !text.is_empty() || !matches!(other, Value::Null) {
                        out.push_str(&text);
                        if !text.ends_with('\n') {
                            out.push('\n');
                        }
                    }
                    i += 1;
                }
            }
        }
        out
    }

    /// Ends the table being written, if any.
    pub fn close(&mut self) -> String {
        match self.table.take() {
            Some(_) => "\n".to_owned(),
            None => String::new(),
        }
    }
}

/// The text of values in their default views, all at once.
pub fn render(values: &[Value], width: usize) -> String {
    let mut display = Display::default();
    display.show(values, width) + &display.close()
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::{Answer, Argument, Console, Kind, ask_for_missing, registry::Parameter};

    /// A console that answers the questions it is asked from a list, and keeps what it showed.
    struct Typing {
        shown: String,
        asked: Vec<(String, bool)>,
        answers: Vec<&'static str>,
    }

    impl Console for Typing {
        fn output(&mut self, text: &str) {
            self.shown.push_str(text);
        }
        fn error(&mut self, text: &str) {
            self.shown.push_str(text);
        }
        fn warning(&mut self, text: &str) {
            self.shown.push_str(text);
        }
        fn confirm(&mut self, _: &str) -> Option<Answer> {
            None
        }
        fn progress(&mut self, _: Option<&str>) {}
        fn interactive(&self) -> bool {
            true
        }
        fn ask(&mut self, prompt: &str, secret: bool) -> Option<String> {
            self.shown.push_str(prompt);
            self.asked.push((prompt.to_owned(), secret));
            (!self.answers.is_empty()).then(|| self.answers.remove(0).to_owned())
        }
    }

    #[test]
    fn a_missing_secret_is_asked_for_without_echo_under_a_header_naming_the_command_and_its_position() {
        let identity = Parameter::new("Identity", Kind::Text, "The account.").required();
        let password = Parameter::new("Password", Kind::Secret, "The password.").required();
        let mut console =
            Typing { shown: String::new(), asked: Vec::new(), answers: vec!["helpdesk1", "quiet harbour lantern"] };
        let Ok(given) = ask_for_missing(&mut console, "Set-ManagementAccount", 2, &[&identity, &password]) else {
            panic!("both values were typed");
        };
        assert_eq!(console.asked, [("Identity: ".to_owned(), false), ("Password: ".to_owned(), true)]);
        assert!(
            console.shown.starts_with(
                "\ncmdlet Set-ManagementAccount at command pipeline position 2\nSupply values for the following parameters:\nIdentity: "
            ),
            "{:?}",
            console.shown
        );
        assert!(!console.shown.contains("quiet harbour"), "{:?}", console.shown);
        match given.as_slice() {
            [("Identity", Argument::Value(_)), ("Password", Argument::Secret(secret))] => {
                assert_eq!(secret.expose_secret(), "quiet harbour lantern");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_parameter_left_empty_at_the_prompt_is_an_error_naming_it() {
        let password = Parameter::new("Password", Kind::Secret, "The password.").required();
        let mut console = Typing { shown: String::new(), asked: Vec::new(), answers: vec!["  "] };
        let Err(failure) = ask_for_missing(&mut console, "Set-ManagementAccount", 1, &[&password]) else {
            panic!("an empty answer is no value");
        };
        assert_eq!(failure.message, "The parameter 'Password' can't be empty. Give a value and run it again.");
    }

    #[test]
    fn a_confirmation_reply_is_yes_by_default_and_ignores_case() {
        assert_eq!(Answer::parse("\n"), Some(Answer::Yes));
        assert_eq!(Answer::parse("a"), Some(Answer::YesToAll));
        assert_eq!(Answer::parse(" N "), Some(Answer::No));
        assert_eq!(Answer::parse("l"), Some(Answer::NoToAll));
        assert_eq!(Answer::parse("maybe"), None);
    }
}
