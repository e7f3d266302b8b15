"""The ``kg`` command: build, validate, query and serve the knowledge graph.

Each sub-command lives in its own module of this package; commands from
other packages (``kg serve`` from the web service) are found through the
``kg.commands`` entry-point group, so ``kg`` never imports ``server``.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from kg.model.errors import KGError


class KGGroup(click.Group):
    """A group that loads plug-in commands lazily and turns KGError into a
    one-line message and the error's exit code (no traceback)."""

    def _plugins(self) -> dict:
        return {ep.name: ep for ep in entry_points(group="kg.commands")}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is None and name in self._plugins():
            cmd = self._plugins()[name].load()
        return cmd

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KGError as exc:
            click.echo(f"error: {exc.message}", err=True)
            for problem in getattr(exc, "problems", []):
                click.echo(f"  - {problem}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=KGGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="diplomacy-kg")
def main():
    """Diplomatic news as a knowledge graph you can query, browse and cite.

    \b
    Typical use:
      kg build --store build/store   compile articles + ontology, load the store
      kg validate                    SHACL shapes and evidence spans
      kg query 'SELECT ...'          ask the graph from the shell
      kg serve --store build/store   the web service and SPARQL endpoint
    """


def _register() -> None:
    """Import the command modules that exist; each adds itself to ``main``."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register()
