"""The demo's scenes, in the order of a cycle: the org, a first look, check-ins and standups, goals,
feedback, a 1:1, a review, a summary and the performance files."""

from datetime import UTC, datetime

from domain.goals import periods as goal_periods
from scripts.demo_stage import MOBILE, OUT, PEOPLE, Demo, say


def scene_org(demo: Demo) -> None:
    say("== HR sets up the org")
    for email, name, tz, _, _ in PEOPLE + MOBILE:
        demo.ids[email] = demo.sb.add_user(email=email, real_name=name, name=email.split("@")[0], tz=tz)
    csv_path = OUT / "org.csv"
    lines = ["email,manager_email,team,role,timezone"]
    lines += [f"{email},{manager},Platform,{role}," for email, _, _, manager, role in PEOPLE]
    lines += [f"{email},{manager},Mobile,{role}," for email, _, _, manager, role in MOBILE]
    csv_path.write_text("\n".join(lines) + "\n")
    demo.cli("org", "import", str(csv_path))
    demo.serve()


def scene_first_look(demo: Demo) -> None:
    say("== Everyone runs /checkins and opens the app's Home tab")
    for email, *_ in PEOPLE:
        uid = demo.person(email)
        demo.sb.slash_command(uid, "/checkins", "")
        demo.sb.open_home(uid)
    demo.settle(lambda: all(demo.sb.home(demo.person(e)) for e, *_ in PEOPLE))


def scene_direct_message(demo: Demo) -> None:
    say("== Ana writes to the app; it goes into her performance file")
    ana = demo.person("ana@acme.test")
    demo.sb.send_dm(ana, "Shipped the billing migration & unblocked <!channel> deploys")

    def kept() -> bool:
        # The DM is stored after the ack: reopen the Home tab, as Ana would, until it shows there.
        demo.sb.open_home(ana)
        return demo.settled(lambda: "billing migration" in str(demo.sb.home(ana)), timeout=1.0)

    demo.settle(kept, timeout=20.0)

    def answered() -> list[dict]:
        return [m for m in demo.sb.dm_messages(ana) if m.get("bot_id") and m["text"].startswith("Kept in")]

    demo.settle(lambda: bool(answered()))
    say(f"  the app answers: {answered()[0]['text']}")


def _prompt(demo: Demo, email: str) -> dict:
    """The person's check-in prompt: the app's DM message carrying its send ledger's metadata (other such
    messages, like "Kept in your file", have no button to start the check-in)."""
    uid = demo.person(email)
    return next(
        m
        for m in demo.sb.dm_messages(uid)
        if (m.get("metadata") or {}).get("event_type") and "checkin_open" in str(m.get("blocks"))
    )


def _button_value(demo: Demo, email: str, text_start: str, action_id: str) -> str:
    for message in demo.sb.dm_messages(demo.person(email)):
        if message.get("bot_id") and message["text"].startswith(text_start):
            for block in message.get("blocks", []):
                for element in block.get("elements", []):
                    if element.get("action_id") == action_id:
                        return element["value"]
    raise SystemExit(f"demo: no {action_id} button on {text_start!r} for {email}")


def _wait_modal(demo: Demo, uid: str, callback_id: str) -> None:
    """Until that modal is on top (a finished one, with only its Done button, may lie under it)."""
    demo.settle(lambda: any(v.get("callback_id") == callback_id for v in demo.sb.open_views(uid)[-1:]))


def _check_in(demo: Demo, email: str, answers: dict[str, str], goal_progress: list[str] = ()) -> None:
    """`goal_progress`: values for the goal fields the modal asks, in order."""
    uid = demo.person(email)
    demo.click(uid, "checkin_open")
    _wait_modal(demo, uid, "checkin_submit")
    blocks = demo.sb.open_views(uid)[-1]["blocks"]
    goal_fields = [b["block_id"] for b in blocks if b.get("block_id", "").startswith("goal_")]
    demo.sb.submit_view(uid, {**answers, **dict(zip(goal_fields, goal_progress, strict=False))})


def scene_checkin_round(demo: Demo) -> None:
    say("== Friday: this week's check-in prompts go out")
    demo.cli("checkin", "send")
    reports = [e for e, *_ in PEOPLE if e != "maria@acme.test"]
    demo.settle(
        lambda: all(any(m.get("bot_id") for m in demo.sb.dm_messages(demo.person(e))) for e in reports)
    )
    say("== Ana, Bo and Chen answer; Dee does not")
    _check_in(
        demo,
        "ana@acme.test",
        {
            "mood": "2",
            "progress": "Billing migration is 80% done; the data backfill ran on staging.",
            "blockers": "Waiting two days on DBA access for production.",
            "help": "Could someone from Data review the backfill script?",
        },
        goal_progress=["80", "10"],
    )
    _check_in(
        demo,
        "bo@acme.test",
        {
            "mood": "4",
            "progress": "Shipped the new onboarding emails.",
            "wins": "Signup conversion up 3% in the first test cohort & no complaints <!channel>",
        },
    )
    demo.sb.slash_command(demo.person("chen@acme.test"), "/checkins", "skip")
    maria = demo.person("maria@acme.test")
    demo.settle(
        lambda: (
            sum(m["text"].endswith(")") or "checked in" in m["text"] for m in demo.sb.dm_messages(maria)) >= 2
        )
    )

    say("== Maria replies to Ana; they go back and forth in their threads")
    ana_checkin = _button_value(demo, "maria@acme.test", "Ana Lima checked in", "checkin_reply")
    demo.click(maria, "checkin_reply", ana_checkin)
    _wait_modal(demo, maria, "checkin_reply_submit")
    demo.sb.submit_view(
        maria, {"reply": "Thanks Ana. I'll get you DBA access today, and I asked Dee to review."}
    )
    ana = demo.person("ana@acme.test")
    demo.settle(lambda: "DBA access today" in str(demo.sb.dm_messages(ana)))
    demo.sb.send_dm(
        ana, "Thank you! That unblocks the production run.", thread_ts=_prompt(demo, "ana@acme.test")["ts"]
    )
    demo.settle(lambda: "unblocks the production run" in str(demo.sb.dm_messages(maria)))
    maria_thread = next(
        m["ts"] for m in demo.sb.dm_messages(maria) if m["text"].startswith("Ana Lima checked in")
    )
    demo.sb.send_dm(maria, "Great. Ping me if it slips again.", thread_ts=maria_thread)
    demo.settle(lambda: "Ping me if it slips" in str(demo.sb.dm_messages(ana)))

    say("== Bo edits his check-in; Maria's copy follows")
    _check_in(demo, "bo@acme.test", {"progress": "Shipped the new onboarding emails and the welcome tour."})
    demo.settle(lambda: "welcome tour" in str(demo.sb.dm_messages(maria)))


def scene_standup_setup(demo: Demo) -> None:
    say("== Kai puts Mobile on the daily standup template and gives it a channel digest")
    kai = demo.person("kai@acme.test")
    channel = demo.sb.add_channel("mobile-standup")
    demo.sb.slash_command(kai, "/checkins", f"channel <#{channel}|mobile-standup>")
    demo.settle(lambda: "digest will be posted" in demo.sb.transcript(kai))
    demo.sb.slash_command(kai, "/checkins", "settings")
    _wait_modal(demo, kai, "checkins_settings_submit")
    demo.sb.submit_view(kai, {"template": "standup"})
    demo.settle(lambda: demo.sb.open_views(kai) == [])


def scene_standup_answers(demo: Demo) -> None:
    say("== Lu and Sam answer the standup; their team answers go to #mobile-standup, in one thread")
    _check_in(
        demo,
        "lu@acme.test",
        {"yesterday": "Offline mode for the app", "today": "Sync conflicts", "on_track": "yes"},
    )
    _check_in(
        demo, "sam@acme.test", {"yesterday": "Push notifications", "today": "Release notes", "on_track": "no"}
    )
    channel = next(c for c, v in demo.sb.ws.channels.items() if v.get("name") == "mobile-standup")

    def replies():
        return [m for m in demo.sb.channel_messages(channel) if m.get("thread_ts") not in (None, m["ts"])]

    demo.settle(lambda: len(replies()) == 2 and "2 of 2 so far" in str(demo.sb.channel_messages(channel)))
    for message in demo.sb.channel_messages(channel):
        say(("    ↳ " if message.get("thread_ts") not in (None, message["ts"]) else "  ") + message["text"])


def scene_goals(demo: Demo) -> None:
    say("== Goals: HR sets the year's company goal; Maria breaks it down for her team; Ana aligns hers")
    sb = demo.sb
    maria, ana, dee = (demo.person(f"{n}@acme.test") for n in ("maria", "ana", "dee"))
    quarter, year = _period_key(), goal_periods.options(datetime.now(UTC).date())[4].key
    sb.slash_command(dee, "/goals", "new company")
    _wait_modal(demo, dee, "goal_submit")
    demo.select(dee, "goal_period", year)  # the form then shows the year's end as the due day
    demo.settle(lambda: f"due_{year}" in str(sb.open_views(dee)[-1]))
    sb.submit_view(dee, {"title": "Every team on the new platform", "metric": "teams", "target": "120"})
    demo.settle(lambda: "Company goal set" in str(sb.open_views(dee)))
    sb.slash_command(maria, "/goals", "new team")
    _wait_modal(demo, maria, "goal_submit")
    company = _first_option(sb, maria, "parent")
    team_goal = {"title": "Teams on the new platform", "period": quarter, "parent": company}
    sb.submit_view(maria, {**team_goal, "metric": "teams migrated", "baseline": "40", "target": "60"})
    demo.settle(lambda: "Team goal set" in str(sb.open_views(maria)))
    sb.slash_command(ana, "/goals", "new")
    _wait_modal(demo, ana, "goal_submit")
    demo.select(ana, "goal_kind", "objective")  # kind first: the form then asks for key results
    demo.settle(lambda: "kr1_title" in str(sb.open_views(ana)[-1]))
    okr = {
        "title": "Finish the billing migration",
        "period": quarter,
        "parent": next(v for v in _options(sb, ana, "parent") if v != company),
        "kr1_title": "Customers on the new billing",
        "kr1_target": "100",
    }
    sb.submit_view(ana, okr)
    demo.settle(lambda: "proposes a new goal" in str(sb.dm_messages(maria)))
    say("== Maria asks for a change; Ana adds a key result and proposes again; Maria approves")
    demo.click(maria, "goal_changes")
    _wait_modal(demo, maria, "goal_decision_submit")
    sb.submit_view(maria, {"comment": "Add the old system's shutdown: that is what frees the team."})
    demo.settle(lambda: "asked for changes" in str(sb.dm_messages(ana)))
    sb.slash_command(ana, "/goals", "")
    demo.settle(lambda: "goal_edit" in str(sb.ephemerals(ana)))
    demo.click(ana, "goal_edit")
    _wait_modal(demo, ana, "goal_submit")
    sb.submit_view(ana, {"kr2_title": "Old billing system shut down (%)", "kr2_target": "100"})
    demo.settle(lambda: str(sb.dm_messages(maria)).count("proposes a new goal") >= 2)
    demo.click(maria, "goal_approve")
    _wait_modal(demo, maria, "goal_decision_submit")
    sb.submit_view(maria, {"comment": "Agreed. Shout if the shutdown slips."})
    demo.settle(lambda: "approved the new goal" in str(sb.dm_messages(ana)))
    say("== Roll-up: the team goal and the company goal follow the goals aligned to them")
    for uid in (maria, dee):
        sb.slash_command(uid, "/goals", "")
        demo.settle(lambda uid=uid: "progress:" in str(sb.ephemerals(uid)[-1:]))
        menu = [
            o["value"]
            for o in _overflow_options(sb.ephemerals(uid)[-1])
            if o["value"].startswith("progress:")
        ]
        demo.select(uid, "goal_menu", menu[0])  # Maria: her team goal; Dee (HR): the company goal, first
        _wait_modal(demo, uid, "goal_progress_submit")
        demo.select(uid, "goal_progress_mode", "children")  # the progress input goes: computed from now on
        demo.settle(lambda uid=uid: "Computed from the" in str(sb.open_views(uid)[-1:]))
        sb.submit_view(uid, {"status": "auto"})
        demo.settle(lambda uid=uid: "Progress on" in str(sb.open_views(uid)))
    sb.slash_command(ana, "/goals", "")
    demo.settle(lambda: "goal_progress" in str(sb.ephemerals(ana)[-1:]))
    demo.click(ana, "goal_progress")
    _wait_modal(demo, ana, "goal_progress_submit")
    krs = [b["block_id"] for b in sb.open_views(ana)[-1]["blocks"] if b["block_id"].startswith("kr_")]
    sb.submit_view(ana, {krs[0]: "60", krs[1]: "20", "status": "auto"})
    demo.settle(lambda: "40%" in str(sb.open_views(ana)))
    sb.slash_command(ana, "/goals", "tree")
    demo.settle(lambda: "goal tree" in str(sb.ephemerals(ana)[-1:]))


def _options(sb, uid: str, block_id: str) -> list[str]:
    block = next(b for b in sb.open_views(uid)[-1]["blocks"] if b.get("block_id") == block_id)
    return [o["value"] for o in block["element"]["options"]]


def _first_option(sb, uid: str, block_id: str) -> str:
    return _options(sb, uid, block_id)[0]


def _overflow_options(message: dict) -> list[dict]:
    return [o for b in message.get("blocks", []) for o in b.get("accessory", {}).get("options", [])]


def _period_key() -> str:
    """This quarter, as the goal modal offers it."""
    return goal_periods.options(datetime.now(UTC).date())[0].key


def scene_feedback(demo: Demo) -> None:
    say("== Feedback: praise in #kudos, and Ana asks two colleagues for feedback")
    sb = demo.sb
    ana, bo, chen, dee = (
        demo.person(e) for e in ("ana@acme.test", "bo@acme.test", "chen@acme.test", "dee@acme.test")
    )
    kudos = sb.add_channel("kudos")
    sb.slash_command(dee, "/feedback", f"channel <#{kudos}|kudos>")  # Dee is the HR admin
    demo.settle(lambda: "also goes to" in sb.transcript(dee))
    sb.slash_command(chen, "/feedback", f"<@{bo}|bo>")
    demo.settle(lambda: bool(sb.open_views(chen)))
    sb.submit_view(chen, {"text": "The onboarding emails read beautifully. Thank you!", "praise": ["praise"]})
    demo.settle(lambda: bool(sb.channel_messages(kudos)))
    sb.slash_command(ana, "/feedback", f"request <@{bo}|bo> <@{dee}|dee>")
    demo.settle(lambda: "asks for your feedback" in str(sb.dm_messages(bo)))
    demo.click(bo, "feedback_give")
    demo.settle(lambda: bool(sb.open_views(bo)))
    sb.submit_view(
        bo, {"text": "Your migration plan was the clearest doc this quarter. Share the risks earlier."}
    )
    demo.settle(lambda: "answered your request" in str(sb.dm_messages(ana)))
    sb.slash_command(ana, "/feedback", "")
    demo.settle(lambda: "Feedback you received" in sb.transcript(ana))
    say(f"  #kudos: {len(sb.channel_messages(kudos))} praise post(s)")


def scene_one_on_one(demo: Demo) -> None:
    say("== A 1:1 prepared and held: Ana sets it up, both add points, they discuss, agree and note")
    sb = demo.sb
    ana, maria = demo.person("ana@acme.test"), demo.person("maria@acme.test")
    sb.slash_command(ana, "/checkins", f"1on1 with <@{maria}|maria> weekly thu 10:00")
    demo.settle(lambda: "set up a 1:1 with you" in str(sb.dm_messages(maria)))
    sb.slash_command(ana, "/checkins", "1on1 add Career path: staff engineer next year?")
    demo.settle(lambda: "Added to your 1:1 with Maria" in sb.transcript(ana))
    sb.slash_command(maria, "/checkins", f"1on1 add <@{ana}|ana> Handing over the billing on-call")
    demo.settle(lambda: "Added to your 1:1 with Ana" in sb.transcript(maria))
    sb.slash_command(maria, "/checkins", "1on1")  # the agenda, with the app's suggestions
    demo.settle(lambda: "Career path" in sb.transcript(maria) and "Discussed" in sb.transcript(maria))
    demo.click(maria, "one_on_one_discussed")
    demo.settle(lambda: "Marked discussed" in sb.transcript(maria))
    sb.slash_command(maria, "/checkins", "1on1 note Agreed: Ana writes a staff-engineer growth plan")
    demo.settle(lambda: "Shared note kept" in sb.transcript(maria))
    sb.slash_command(maria, "/checkins", f"1on1 action <@{ana}|ana> 2027-01-15 Draft the growth plan")
    demo.settle(lambda: "Action item for Ana" in sb.transcript(maria))
    sb.slash_command(maria, "/checkins", "1on1 private Ana seems stretched: look at her workload")
    demo.settle(lambda: "only you can ever read it" in sb.transcript(maria))
    sb.open_home(ana)
    demo.settle(lambda: "Draft the growth plan" in str(sb.home(ana)))


def _inputs(demo: Demo, uid: str, fill: dict[str, str]) -> dict[str, str]:
    """Values for the open modal's inputs, by the end of their block id (goal_12_rating → "rating")."""
    values = {}
    for block in demo.sb.open_views(uid)[-1]["blocks"]:
        if block.get("type") == "input":
            for suffix, value in fill.items():
                if block["block_id"].endswith(suffix):
                    values[block["block_id"]] = value
    return values


def scene_review(demo: Demo) -> None:
    say("== The quarter's review: Ana assesses herself, Maria assesses, they agree a plan")
    sb = demo.sb
    ana, maria = demo.person("ana@acme.test"), demo.person("maria@acme.test")
    demo.cli("review", "start", "--cycle", _period_key(), "--early", "--user", "ana@acme.test")
    demo.settle(lambda: "review_self_open" in str(sb.dm_messages(ana)))
    demo.click(ana, "review_self_open")
    _wait_modal(demo, ana, "review_self_submit")
    fill = {
        "_result": "Most customers moved; the old system still runs for two of them.",
        "_rating": "4",
        "went_well": "The staged rollout: no incident.",
        "to_improve": "Asking for help earlier (the DBA wait cost two weeks).",
    }
    sb.submit_view(ana, _inputs(demo, ana, fill))
    demo.settle(lambda: "review_assess_open" in str(sb.dm_messages(maria)))
    demo.click(maria, "review_assess_open")
    _wait_modal(demo, maria, "review_assess_submit")
    fill = {
        "_rating": "4",
        "_comment": "Strong delivery; the shutdown slipped.",
        "overall": "A solid quarter.",
        "diagnosis": "Delivery is strong; blockers surface late.",
        "plan_1": "Raise a blocker within a day, in the check-in",
        "plan_2": "Pair with Data on the next migration",
    }
    sb.submit_view(maria, _inputs(demo, maria, fill))
    demo.settle(lambda: "review_agree" in str(sb.dm_messages(ana)))
    demo.click(ana, "review_agree")
    demo.settle(lambda: "agreed" in sb.transcript(maria).lower())


def scene_summary(demo: Demo) -> None:
    say("== Maria's summary of her team's week (the scheduler sends it when the period closes)")
    demo.cli("summary", "send")
    maria = demo.person("maria@acme.test")
    demo.settle(lambda: bool(demo.sb.files(maria)))


def scene_files(demo: Demo) -> None:
    say("== Everyone opens the Home tab: their performance file; Maria opens Ana's")
    for email, *_ in PEOPLE:
        demo.sb.open_home(demo.person(email))
    ana, maria = demo.person("ana@acme.test"), demo.person("maria@acme.test")
    demo.settle(lambda: "entries in your file" in str(demo.sb.home(ana)))  # her file, newest first
    demo.settle(lambda: "home_file_switch" in str(demo.sb.home(maria)))
    # Her own Home tab, opened a moment before, is never published over her choice, whichever runs first.
    demo.select(maria, "home_file_switch", ana)
    demo.settle(lambda: "You are reading" in str(demo.sb.home(maria)), timeout=20.0)


SCENES = [
    scene_org,
    scene_first_look,
    scene_standup_setup,
    scene_direct_message,
    scene_goals,
    scene_checkin_round,
    scene_standup_answers,
    scene_feedback,
    scene_one_on_one,
    scene_review,
    scene_summary,
    scene_files,
]
