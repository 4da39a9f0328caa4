"""Words for the sample transcripts: domains, stacks, task wording by work mode and expertise, and
the phrases that carry outcome evidence.

Every label has several wordings, and the renderer composes them from parts, so no label maps to a
single template. Placeholders: {obj} a domain object, {file} a file, {lib} a library, {cmd} a
command, {err} an error, {approach} an approach, {criterion} a definition of done.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    """Context clues of one occupation: what its people name folders, files and things."""

    projects: tuple[str, ...]
    objects: tuple[str, ...]
    files: tuple[str, ...]
    vocabulary: tuple[str, ...]  # insider phrases a prompt can carry
    claude_md: tuple[str, ...]  # project context file openings
    topics: tuple[str, ...]  # subjects of non-code work (memos, analyses) in this occupation


DOMAINS: dict[str, Domain] = {
    "15-0000": Domain(
        projects=("payments-api", "auth-service", "infra-terraform", "web-dashboard", "ingest-worker", "mobile-app"),
        objects=(
            "the webhook handler",
            "the rate limiter",
            "the session middleware",
            "the retry queue",
            "the GraphQL resolver",
            "the feature-flag client",
        ),
        files=(
            "src/handlers/webhook.ts",
            "internal/ratelimit/bucket.go",
            "app/middleware/session.py",
            "src/queue/retry.rs",
            "api/resolvers/orders.ts",
        ),
        vocabulary=(
            "before the next on-call rotation",
            "p99 latency",
            "behind the feature flag",
            "our SLO budget",
            "the staging cluster",
            "idempotency keys",
        ),
        claude_md=(
            "# Payments API\nBackend service owned by the platform team. On-call rotates weekly; see RUNBOOK.md.",
            "# auth-service\nWe run this in three regions. Every change needs a migration plan and a rollback note.",
            "# Engineering notes\nMonorepo for the web team. CI must stay green; we squash-merge.",
        ),
        topics=("the incident postmortem", "the API deprecation notice", "the quarterly engineering roadmap"),
    ),
    "11-0000": Domain(
        projects=("team-okrs", "ops-reporting", "hiring-pipeline", "vendor-review"),
        objects=("the headcount tracker", "the weekly ops report", "the OKR scorecard", "the vendor scorecard"),
        files=("reports/weekly_ops.py", "okrs/q3_scorecard.csv", "hiring/pipeline.xlsx", "vendors/scorecard.md"),
        vocabulary=(
            "for my directs",
            "before the leadership offsite",
            "against our OKRs",
            "for the board pack",
            "my skip-level",
        ),
        claude_md=(
            "# Ops reporting\nI run a 40-person operations team. These scripts build the weekly report I send to the "
            "VP.",
            "# Team tools\nUsed by me and my managers for planning headcount and tracking OKRs.",
        ),
        topics=("the reorg announcement", "the quarterly business review", "the hiring plan for next half"),
    ),
    "13-0000": Domain(
        projects=("q3-forecast", "reconciliation", "budget-model", "audit-samples"),
        objects=("the cash-flow forecast", "the bank reconciliation", "the variance report", "the accruals schedule"),
        files=("models/forecast.py", "recon/match_ledger.py", "budget/variance.sql", "audit/sample_selection.py"),
        vocabulary=("month-end close", "GL accounts", "the accruals", "EBITDA bridge", "audit trail", "FX revaluation"),
        claude_md=(
            "# Finance automation\nScripts for month-end close. Ledger exports land in data/gl/. Never round before "
            "summing.",
            "# Budget model\nFP&A team workbook replacement. Numbers go to the CFO, so every figure must tie out.",
        ),
        topics=("the variance commentary for the CFO", "the audit findings memo", "the pricing proposal"),
    ),
    "17-0000": Domain(
        projects=("beam-calcs", "pcb-tester", "hvac-loads", "cad-scripts"),
        objects=("the load calculation", "the PCB test rig", "the tolerance stack-up", "the FEA post-processor"),
        files=("calcs/beam_deflection.py", "firmware/test_rig.c", "loads/hvac_sizing.py", "cad/export_bom.py"),
        vocabulary=(
            "safety factor",
            "per the ASCE 7 load combos",
            "the tolerance stack-up",
            "Eurocode 3",
            "BOM revision",
        ),
        claude_md=(
            "# Structural calcs\nCalculation scripts for our engineering practice. Units are SI throughout; cite the "
            "code clause.",
            "# Test rig\nFirmware and scripts for the production PCB tester. Hardware rev C.",
        ),
        topics=("the design review summary", "the test report for the client", "the change notice for revision D"),
    ),
    "19-0000": Domain(
        projects=("rnaseq-pipeline", "soil-samples", "lab-assays", "climate-downscaling"),
        objects=(
            "the differential expression step",
            "the soil sample dataset",
            "the plate reader export",
            "the downscaled temperature grid",
        ),
        files=("pipeline/deseq_step.R", "analysis/soil_ph.py", "assays/plate_reader.py", "notebooks/downscale.ipynb"),
        vocabulary=(
            "batch effects",
            "biological replicates",
            "the PI wants",
            "for the manuscript",
            "p-values after FDR correction",
            "the reviewers",
        ),
        claude_md=(
            "# Lab analysis\nCode for our lab's assays. Raw data in raw/ is read-only. Figures go in the manuscript.",
            "# RNA-seq pipeline\nPostdoc project. Samples are in three batches; always model batch.",
        ),
        topics=("the methods section", "the grant progress report", "the response to reviewers"),
    ),
    "27-0000": Domain(
        projects=("portfolio-site", "podcast-feed", "zine-layout", "photo-archive"),
        objects=("the gallery page", "the podcast RSS feed", "the print layout", "the photo metadata"),
        files=("site/gallery.html", "feed/build_rss.py", "layout/spreads.css", "archive/exif_tags.py"),
        vocabulary=(
            "for the print run",
            "the episode show notes",
            "bleed and trim",
            "my clients' galleries",
            "the editorial calendar",
        ),
        claude_md=(
            "# Portfolio\nMy photography portfolio and client galleries. Keep images lossless.",
            "# Podcast\nFeed and show-notes tooling for my weekly show.",
        ),
        topics=("the episode show notes", "the artist statement", "the pitch to the editor"),
    ),
    "25-0000": Domain(
        projects=("gradebook", "course-site", "quiz-generator", "syllabus"),
        objects=("the gradebook export", "the quiz bank", "the course calendar", "the rubric"),
        files=("grades/export_lms.py", "quizzes/bank.json", "course/calendar.md", "rubrics/essay_rubric.md"),
        vocabulary=(
            "for my students",
            "before the term starts",
            "the LMS",
            "learning outcomes",
            "my year 10 class",
            "the rubric",
        ),
        claude_md=(
            "# Course tools\nScripts for the courses I teach. Student data never leaves this folder.",
            "# Gradebook\nExports from the LMS, cleaned for moderation.",
        ),
        topics=("the unit plan", "the parent newsletter", "the lesson handout"),
    ),
    "29-0000": Domain(
        projects=("clinic-scheduling", "patient-intake", "lab-results", "shift-roster"),
        objects=("the intake form", "the shift roster", "the lab results parser", "the discharge checklist"),
        files=("intake/form.py", "roster/shifts.py", "labs/parse_hl7.py", "discharge/checklist.md"),
        vocabulary=("on the ward", "HIPAA", "for the charge nurse", "triage", "the EHR export", "patient handoffs"),
        claude_md=(
            "# Clinic tools\nI'm a nurse practitioner; these are small tools for our clinic. No real patient data in "
            "this repo.",
            "# Ward roster\nShift planning for our unit. Must respect mandatory rest between shifts.",
        ),
        topics=("the patient handout", "the discharge instructions", "the staff training note"),
    ),
    "43-0000": Domain(
        projects=("invoice-tracker", "mail-merge", "office-inventory"),
        objects=("the invoice log", "the mail merge", "the supplies inventory"),
        files=("invoices/tracker.py", "letters/merge.py", "inventory/stock.csv"),
        vocabulary=("for the front desk", "purchase orders", "the filing backlog", "for my manager"),
        claude_md=("# Office admin\nSmall scripts for the office. Invoices come in as PDFs.",),
        topics=("the office procedures guide", "the meeting minutes", "the supplier letter"),
    ),
    "41-0000": Domain(
        projects=("crm-leads", "quote-builder", "territory-map"),
        objects=("the lead scoring sheet", "the quote builder", "the territory map"),
        files=("crm/lead_score.py", "quotes/builder.py", "territory/map.py"),
        vocabulary=("pipeline coverage", "for my accounts", "close rates", "the quarter's quota"),
        claude_md=("# Sales tools\nHelpers for my territory. CRM exports are in exports/.",),
        topics=("the customer proposal", "the follow-up email sequence", "the account plan"),
    ),
    "23-0000": Domain(
        projects=("contract-review", "case-deadlines", "clause-library"),
        objects=("the clause extractor", "the deadline calculator", "the redline summary"),
        files=("contracts/extract_clauses.py", "deadlines/calc.py", "clauses/library.md"),
        vocabulary=(
            "indemnification clauses",
            "statute of limitations",
            "for the partner",
            "privileged",
            "the filing deadline",
        ),
        claude_md=("# Contract review\nTools for our practice. Never upload client documents anywhere.",),
        topics=("the client advisory", "the engagement letter", "the summary of the ruling"),
    ),
    "21-0000": Domain(
        projects=("casework-intake", "volunteer-roster"),
        objects=("the case intake form", "the volunteer roster"),
        files=("intake/cases.py", "volunteers/roster.py"),
        vocabulary=("my caseload", "for the families we serve", "the referral partners"),
        claude_md=("# Casework tools\nFor our non-profit's case managers. Client names are always anonymised.",),
        topics=("the grant report", "the volunteer handbook"),
    ),
    "49-0000": Domain(
        projects=("service-log", "parts-inventory"),
        objects=("the service log", "the parts inventory"),
        files=("service/log.py", "parts/inventory.py"),
        vocabulary=("work orders", "for the technicians", "preventive maintenance", "the service van"),
        claude_md=("# Service log\nTracks HVAC maintenance visits for my crew.",),
        topics=("the maintenance checklist", "the customer service report"),
    ),
}

# Sessions whose text carries no occupational signal: nothing here points at a profession.
GENERIC = Domain(
    projects=("project", "app", "scripts", "test", "untitled", "code"),
    objects=("the script", "the app", "the main page", "the config", "the data file", "the tool"),
    files=("main.py", "index.js", "app.py", "script.sh", "utils.py", "data.csv"),
    vocabulary=(),
    claude_md=(),
    topics=("the document", "the notes", "the write-up"),
)


@dataclass(frozen=True)
class Stack:
    """A language and its tools, so commands and outputs look like that ecosystem's."""

    name: str
    extension: str
    libs: tuple[str, ...]
    test_cmd: str
    test_pass: str
    test_fail: str
    run_cmd: str
    errors: tuple[str, ...]
    code: tuple[str, ...]


STACKS: dict[str, Stack] = {
    "python": Stack(
        "python",
        ".py",
        ("pandas", "pydantic", "httpx", "sqlalchemy", "polars", "click"),
        "python -m pytest -q",
        "{n} passed in {s}s",
        "FAILED tests/test_core.py::test_edge_case - AssertionError\n1 failed, {n} passed in {s}s",
        "python main.py",
        (
            "KeyError: 'region'",
            "TypeError: 'NoneType' object is not subscriptable",
            "ModuleNotFoundError: No module named 'yaml'",
            "ValueError: time data '2025-13-01' does not match format",
            "sqlite3.OperationalError: database is locked",
        ),
        (
            "def load(path):",
            "    with open(path) as handle:",
            "        rows = [parse(line) for line in handle]",
            "    return rows",
            "if not rows:",
            "    raise ValueError('empty input')",
            "for row in rows:",
            "    total += row.amount",
            "result = {key: value for key, value in pairs}",
            "logger.info('processed %d rows', len(rows))",
            "class Record(BaseModel):",
            "    id: int",
            "    name: str",
            "return sorted(items, key=lambda item: item.date)",
            "df = df.dropna(subset=['date'])",
            "summary = df.groupby('month').agg(total=('amount', 'sum'))",
        ),
    ),
    "typescript": Stack(
        "typescript",
        ".ts",
        ("zod", "express", "react", "prisma", "vitest"),
        "npm test",
        "Tests: {n} passed, {n} total\nTime: {s}s",
        "Tests: 1 failed, {n} passed, {n} total\nFAIL src/app.test.ts",
        "npm run dev",
        (
            "TypeError: Cannot read properties of undefined (reading 'map')",
            "Error: listen EADDRINUSE: address already in use :::3000",
            "TS2322: Type 'string' is not assignable to type 'number'.",
            "Module not found: Can't resolve './utils'",
        ),
        (
            "export function load(path: string) {",
            "  const rows = readRows(path);",
            "  return rows.filter(Boolean);",
            "}",
            "const total = items.reduce((sum, item) => sum + item.amount, 0);",
            "if (!user) throw new Error('missing user');",
            "export const schema = z.object({ id: z.number(), name: z.string() });",
            "await prisma.order.update({ where: { id }, data });",
            "useEffect(() => { refresh(); }, [refresh]);",
            "return <Table rows={rows} onSelect={setSelected} />;",
        ),
    ),
    "go": Stack(
        "go",
        ".go",
        ("chi", "sqlx", "cobra", "zap"),
        "go test ./...",
        "ok  \texample.com/app/internal\t{s}s",
        "--- FAIL: TestBucket (0.00s)\nFAIL\texample.com/app/internal\t{s}s",
        "go run ./cmd/server",
        (
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "undefined: ratelimit.New",
            "context deadline exceeded",
            "sql: no rows in result set",
        ),
        (
            "func Load(path string) ([]Row, error) {",
            "\trows, err := read(path)",
            "\tif err != nil {",
            '\t\treturn nil, fmt.Errorf("load: %w", err)',
            "\t}",
            "\treturn rows, nil",
            "}",
            "for _, row := range rows {",
            "\ttotal += row.Amount",
            "mu.Lock()",
            "defer mu.Unlock()",
        ),
    ),
    "rust": Stack(
        "rust",
        ".rs",
        ("tokio", "serde", "clap", "sqlx"),
        "cargo test",
        "test result: ok. {n} passed; 0 failed",
        "test result: FAILED. {n} passed; 1 failed",
        "cargo run",
        (
            "error[E0502]: cannot borrow `queue` as mutable because it is also borrowed as immutable",
            "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value'",
        ),
        (
            "pub fn load(path: &Path) -> Result<Vec<Row>> {",
            "    let text = fs::read_to_string(path)?;",
            "    text.lines().map(parse).collect()",
            "}",
            "let total: u64 = rows.iter().map(|r| r.amount).sum();",
            "#[derive(Debug, Deserialize)]",
            "struct Row { id: u32, name: String }",
        ),
    ),
    "r": Stack(
        "r",
        ".R",
        ("dplyr", "ggplot2", "DESeq2", "lme4"),
        "Rscript -e 'testthat::test_dir(\"tests\")'",
        "[ FAIL 0 | WARN 0 | SKIP 0 | PASS {n} ]",
        "[ FAIL 1 | WARN 0 | SKIP 0 | PASS {n} ]",
        "Rscript analysis.R",
        ("Error in eval(predvars, data, env) : object 'batch' not found", 'Error: could not find function "read_csv"'),
        (
            "library(dplyr)",
            "counts <- read.csv('counts.csv')",
            "fit <- lm(yield ~ treatment + batch, data = counts)",
            "summary(fit)",
            "ggplot(df, aes(x = dose, y = response)) + geom_point()",
            "df <- df %>% filter(!is.na(value))",
        ),
    ),
    "sql": Stack(
        "sql",
        ".sql",
        ("duckdb", "postgres", "dbt"),
        "dbt test",
        "Completed successfully\nDone. PASS={n} WARN=0 ERROR=0",
        "Failure in test unique_orders_id\nDone. PASS={n} WARN=0 ERROR=1",
        "duckdb analytics.db < report.sql",
        ('Binder Error: Referenced column "region" not found', "ERROR: division by zero"),
        (
            "SELECT month, sum(amount) AS total",
            "FROM orders",
            "WHERE status = 'paid'",
            "GROUP BY month",
            "ORDER BY month;",
            "WITH recent AS (SELECT * FROM events WHERE ts > now() - INTERVAL 30 DAY)",
            "LEFT JOIN customers USING (customer_id)",
        ),
    ),
}

# Which stacks people in each occupation reach for (first is the most common).
OCCUPATION_STACKS = {
    "15-0000": ("typescript", "python", "go", "rust", "sql"),
    "19-0000": ("python", "r"),
    "13-0000": ("python", "sql"),
    "17-0000": ("python", "go"),
    "11-0000": ("python", "sql"),
    "25-0000": ("python", "typescript"),
}
DEFAULT_STACKS = ("python", "typescript")

# First prompts by work mode. `vague` wordings are for levels 1-2, `specific` for 3-5 (which also add
# constraints). Each wording is a different way to ask for the same kind of work.
TASKS: dict[str, dict[str, tuple[str, ...]]] = {
    "plan": {
        "vague": (
            "i want to make {obj} better but dont know where to start, what should i do",
            "can you help me figure out how to build {obj}?",
            "how should {obj} be set up? i have no idea",
        ),
        "specific": (
            "Before we write any code, draft a design for {obj}: components, data flow and the trade-offs of "
            "{approach}.",
            "I need a plan for reworking {obj}. Scope it into phases and call out the risks.",
            "Write an architecture proposal for {obj}; compare {approach} with the current setup.",
        ),
    },
    "build": {
        "vague": (
            "make {obj} for me",
            "can you add a button or something to {obj} that exports stuff",
            "i need a script that does {obj} automatically",
        ),
        "specific": (
            "Add {feature} to {obj} in {file}.",
            "Implement {feature} for {obj}; keep the public interface unchanged.",
            "Refactor {obj} so that {feature}; it lives in {file}.",
            "Migrate {obj} to {lib} and add {feature}.",
        ),
    },
    "fix": {
        "vague": (
            "{obj} is broken, it shows an error",
            "it doesnt work anymore?? {err}",
            "something is wrong with {obj}, please fix",
        ),
        "specific": (
            "{obj} fails with `{err}` when {trigger}. Find the root cause and fix it.",
            "Regression: since the last deploy {obj} throws `{err}`. Reproduce it first, then fix.",
            "Bug in {file}: {trigger} leads to `{err}`. I suspect {suspect}.",
        ),
    },
    "understand": {
        "vague": ("what does {obj} do", "can you explain this project to me", "how does {obj} work? i didnt write it"),
        "specific": (
            "Walk me through how {obj} handles {trigger}; I need to know where state is kept.",
            "Trace the call path from the entry point to {file} and explain the failure modes.",
            "Explain why {obj} uses {approach} instead of something simpler.",
        ),
    },
    "test": {
        "vague": ("can you check if {obj} is ok", "write some tests i guess", "is my code good?"),
        "specific": (
            "Write tests for {obj} covering {trigger} and the empty-input case.",
            "Review {file} for correctness and security issues before I merge it.",
            "Set up a test harness for {obj} with fixtures for {trigger}.",
        ),
    },
    "operate": {
        "vague": ("how do i put {obj} online", "install this for me", "the server thing needs updating, can you do it"),
        "specific": (
            "Deploy {obj} to the staging environment and wire it into CI.",
            "Set up a GitHub Actions workflow that runs the tests and publishes {obj} on tag.",
            "Upgrade the runtime for {obj} and fix whatever the upgrade breaks in the build.",
            "Configure monitoring for {obj}: alert when {trigger}.",
        ),
    },
    "analyze": {
        "vague": (
            "look at this data and tell me something interesting",
            "can you make a chart from {obj}",
            "whats in {obj}? summarize it",
        ),
        "specific": (
            "Analyse {obj}: estimate the effect of {trigger}, with confidence intervals, and plot it.",
            "Using {obj}, compare the groups and tell me whether the difference survives {approach}.",
            "Write the query behind {topic}: monthly totals from {obj}, then chart the trend.",
        ),
    },
    "orchestrate": {
        "vague": ("can you make an AI helper for {obj}", "make the chatbot answer better"),
        "specific": (
            "Write a system prompt and a small eval set for an agent that triages {obj}.",
            "Build an eval harness that scores our LLM's answers about {obj} against a rubric.",
            "Set up a subagent workflow: one agent drafts, another reviews changes to {obj}.",
        ),
    },
    "communicate": {
        "vague": ("write {topic} for me", "help me write something about {obj}", "can you make {topic} sound better"),
        "specific": (
            "Draft {topic}: one page, plain language, lead with the decision we need.",
            "Turn my notes into {topic}; keep it under 600 words and keep my headings.",
            "Write {topic} for a non-technical audience, with a short summary up front.",
        ),
    },
}

FEATURES = (
    "CSV export",
    "pagination",
    "a --dry-run flag",
    "retry with backoff",
    "an audit log",
    "caching of lookups",
    "a summary endpoint",
    "input validation",
    "dark mode",
    "email notifications",
)
TRIGGERS = (
    "the input file is empty",
    "two requests arrive at once",
    "the date is in a new year",
    "a record has no region",
    "the upstream service times out",
    "a user has no email",
)
SUSPECTS = ("the timezone conversion", "a race in the cache", "the new parser", "an off-by-one in the loop")
APPROACHES = (
    "an event-driven design",
    "a nightly batch job",
    "a single table with a status column",
    "a mixed-effects model",
    "server-side rendering",
    "a queue between the two services",
)
CRITERIA = (
    "the existing tests still pass",
    "it runs on last month's data without errors",
    "the numbers tie out to the source",
    "a reviewer can follow it in five minutes",
)

# Precise constraints an expert adds; the more there are, the more knowledge the setup shows.
CONSTRAINTS = (
    "Keep it backwards compatible with the v1 clients.",
    "Don't hold the lock across the network call.",
    "It has to be idempotent, we retry on timeouts.",
    "Use UTC everywhere and convert only at display.",
    "Mind the N+1 queries in the list view.",
    "Stream the file, it does not fit in memory.",
    "Account for the batch effect, the samples were run on three days.",
    "Round only at the end, the totals must tie out to the ledger.",
    "No new dependencies, we pin everything.",
    "The migration must be reversible.",
)

# Openings a novice uses, and the misconceptions an agent then corrects.
NOVICE_OPENERS = (
    "hi, im new to this.",
    "sorry if this is a dumb question.",
    "I don't really code.",
    "",
    "my friend set this up and now im stuck.",
    "",
)
MISCONCEPTIONS = (
    "the file you mentioned is not where you said; it is actually in {file}.",
    "that error is not from the database, it comes from the parser.",
    "`{lib}` isn't installed in this project yet, so that won't work as written.",
    "the config you edited is not the one the app reads at startup.",
)
AGENT_CORRECTS = ("Actually, {m}", "One thing to clear up: {m}", "Small correction: {m}")
USER_CATCHES = ("No, that's wrong: {m} Redo it.", "Stop. {m}", "That won't work, {m}", "Careful: {m}")
AGENT_MISTAKES = (
    "you're holding the lock while awaiting the HTTP call, that deadlocks under load.",
    "that regex is quadratic on long inputs, use the tokenizer.",
    "you dropped the batch term from the model, the estimate is confounded.",
    "the totals are rounded per line, they won't tie to the ledger.",
    "that migration isn't reversible, add the down step.",
    "the timestamps are local time, compare in UTC.",
)

GENERIC_CHECKS = (
    "are you sure it works?",
    "did it work?",
    "is that right?",
    "ok so is it fixed now?",
    "does this work now",
)
TARGETED_CHECKS = (
    "Run {test_cmd} and show me the failures, not a summary.",
    "Check the output against last month's totals.",
    "Add a test for {trigger} and run it.",
    "Run it on the sample file and diff against the expected output.",
    "Show me the query plan before and after.",
)
CONTINUES = ("ok continue", "go on", "next step", "sounds good, keep going", "yes", "proceed", "ok")
UNCLEAR_PROMPTS = ("continue", "try again", "retry", "again", "keep going", "do it")

# A user's planning and execution decisions, as they appear in prompts; the agent's, in its text.
USER_PLANNING = (
    "Let's go with {approach}.",
    "Scope: only {obj} for now.",
    "Done means {criterion}.",
    "Don't touch the public API.",
    "First reproduce, then fix.",
)
AGENT_PLANNING = (
    "I'll approach this with {approach}.",
    "Plan: reproduce first, then fix, then add a test.",
    "I'd consider it done when {criterion}.",
    "I'll limit the change to {obj}.",
)
USER_EXECUTION = (
    "Put it in {file}.",
    "Use {lib} for that.",
    "Run `{cmd}` to check.",
    "Name it after the existing helpers.",
)
AGENT_EXECUTION = (
    "I'll put the change in {file}.",
    "I'll use {lib} here.",
    "I'll run `{cmd}` to check.",
    "I'll add a helper next to the existing ones.",
)

# Outcome evidence.
AFFIRMATIONS = (
    "Perfect, that works!",
    "Works now, thank you.",
    "Great, exactly what I needed.",
    "Confirmed, it works on my machine too.",
    "yes!! thats it",
    "Looks right, the numbers match.",
)
SOFT_ENDINGS = ("Done. {summary}", "{summary}", "That's in place. {summary}")
MILD_DOUBT = ("hmm, not quite what I expected.", "that's a bit off but fine.", "not sure about this part.")
PUSHBACK = (
    "That's not what I asked for, but let's keep it.",
    "You changed more than needed. Leave it for now.",
    "Skip the {feature} part for now, we'll do it later.",
)
COMPLAINTS = (
    "This is still broken, same error.",
    "No. This is wrong and you keep making it worse.",
    "That didn't fix anything.",
    "I asked for something else entirely.",
)
FRUSTRATION = ("ugh. this is a waste of time.", "I've spent an hour on this.", "why is this so hard")
GIVE_UP = (
    "forget it, I'll do it by hand.",
    "never mind, I'll ask someone else.",
    "stop. I'm giving up on this for today.",
)
PARTIAL_NOTES = (
    "The first part works now; the second still doesn't, leave it.",
    "The export works, the email part still fails. Good enough for today.",
)
NO_GOAL_OPENERS = (
    "hi",
    "what can you do?",
    "hello, testing",
    "just looking around {project}",
    "what is in this folder?",
    "test",
)

# Non-English users write their own framing phrases; task detail often stays in English.
TRANSLATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "affirm": ("¡Perfecto, funciona!", "Ya funciona, gracias."),
        "complain": ("Sigue roto, el mismo error.",),
        "give_up": ("déjalo, lo hago a mano.",),
        "check": ("¿seguro que funciona?",),
        "continue": ("sigue", "vale, continúa"),
        "opener": ("Hola, necesito ayuda con esto:",),
    },
    "de": {
        "affirm": ("Perfekt, funktioniert!", "Passt, danke."),
        "complain": ("Immer noch kaputt, gleicher Fehler.",),
        "give_up": ("lass es, ich mache es selbst.",),
        "check": ("Bist du sicher, dass es geht?",),
        "continue": ("weiter", "ok, mach weiter"),
        "opener": ("Hallo, ich brauche Hilfe:",),
    },
    "fr": {
        "affirm": ("Parfait, ça marche !", "Ça fonctionne, merci."),
        "complain": ("Toujours cassé, même erreur.",),
        "give_up": ("laisse tomber, je le ferai à la main.",),
        "check": ("tu es sûr que ça marche ?",),
        "continue": ("continue", "ok, vas-y"),
        "opener": ("Bonjour, j'ai besoin d'aide :",),
    },
    "pt": {
        "affirm": ("Perfeito, funcionou!",),
        "complain": ("Continua quebrado, mesmo erro.",),
        "give_up": ("esquece, faço na mão.",),
        "check": ("tem certeza que funciona?",),
        "continue": ("continua",),
        "opener": ("Oi, preciso de ajuda:",),
    },
}
LANGUAGE_SHARES = {"en": 0.88, "es": 0.04, "de": 0.03, "fr": 0.03, "pt": 0.02}

# Prose an agent writes while working and when it reports; filler is drawn from these sentences.
PROSE = (
    "I read the surrounding code to see how the data flows before changing anything.",
    "The function is called from two places, so the change has to keep both callers working.",
    "There is an edge case when the input is empty; I handled it explicitly.",
    "The configuration is loaded once at startup, which explains the behaviour you saw.",
    "I kept the existing naming conventions so the diff stays easy to review.",
    "The tests cover the main path; the error path was not covered before.",
    "This section summarises the decision and the alternatives that were considered.",
    "The main risk is the migration of existing records, which I describe below.",
    "Here is what changed, file by file, and why each change was needed.",
    "The numbers are grouped by month and the totals are computed after filtering.",
    "I checked the logs for the failing request and found the point where the value becomes empty.",
    "A simpler option would be to batch the writes, at the cost of some latency.",
    "The draft keeps your headings and tightens the wording in each paragraph.",
    "Next, I would add monitoring so a regression shows up before users notice it.",
)
