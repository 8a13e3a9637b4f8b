"""`checkins goals`: the goal tree as a file."""

from pathlib import Path

import click

from bot.settings import load_settings


@click.group("goals", help="Goals: the whole goal tree as a file.")
def goals_group() -> None:
    pass


@goals_group.command(
    "tree", help="Write the goal tree of the company (or of a team) with every goal: PNG, CSV or JSON."
)
@click.option("--format", "fmt", type=click.Choice(["png", "csv", "json"]), default="png", show_default=True)
@click.option("--team", help="Only this team's goals and what breaks them down.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here instead of to standard output.",
)
def goals_tree(fmt: str, team: str | None, output: Path | None) -> None:
    from bot.app import build_services
    from domain.core.access import OPERATOR
    from domain.goals import export
    from domain.goals import tree as goal_tree
    from domain.goals.errors import GoalError
    from storage.types import utcnow

    services = build_services(load_settings())
    scope, name = ("team", team) if team else ("company", "")
    try:
        with services.session() as session:
            tree = goal_tree.build_for(
                session, viewer=OPERATOR, scope=scope, name=name, today=utcnow().date()
            )
            content = export.render(tree, fmt)
    except GoalError as err:
        raise click.ClickException(str(err)) from err
    if output is None:
        click.get_binary_stream("stdout").write(content)
        return
    try:
        output.write_bytes(content)
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror}") from err
    click.echo(f"{len(tree.nodes)} goals written to {output}", err=True)
