"""Build the dataset: ontology + background + every article under ``data/``.

Named graphs: ``graph/ontology``, ``graph/background`` and one
``graph/article/{slug}`` per article folder. Adding an article is adding a
folder (``article.txt`` + ``mapping.yaml``) and rebuilding: no code changes.
An entity named by several articles is one IRI with evidence from each.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.model.errors import BuildError, ValidationFailed
from kg.authoring.evidence import Problem
from kg.model.formats import NQUADS
from kg.authoring.mapping import CompiledArticle, compile_article
from kg.authoring.shapes import shacl_problems
from kg.model.namespaces import DIP, PROV, article_graph, base_iri, background_graph, entity_ns, ontology_graph
from kg.storage.store import Store, StoreLock, clear_temp, temp_folder
from kg.model.vocab import Vocabulary, load_ontology, parse_turtle


@dataclass
class Build:
    """Everything one build produced: the dataset and what to report."""

    dataset: Dataset
    articles: list[CompiledArticle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources: dict = field(default_factory=dict)  # background node -> its .ttl file

    def where(self, node) -> str | None:
        """``file:line`` of the mapping entry that made ``node``, else the
        background file that describes it, if any."""
        for article in self.articles:
            if node in article.lines:
                return article.lines[node]
        return self.sources.get(node)


def article_folders(data_dir: str | Path) -> list[Path]:
    """Article folders under ``data_dir/articles`` (sorted, so builds repeat)."""
    root = Path(data_dir) / "articles"
    if not root.is_dir():
        raise BuildError("no articles folder", where=str(root))
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise BuildError("no article folders", where=str(root))
    return folders


def compile_all(data_dir="data", ontology_dir="ontology", base=None) -> Build:
    """Compile everything, collecting content problems instead of raising.

    Unusable input (missing files, bad syntax, an unusable base IRI) still
    raises BuildError.
    """
    _check_base(base_iri(base))
    ontology = load_ontology(ontology_dir)
    vocab = Vocabulary.from_graph(ontology)
    dataset = Dataset(default_union=True)
    build = Build(dataset)
    _add(dataset, ontology_graph(base), ontology)
    background = _background(Path(data_dir) / "background", vocab, build, base_iri(base))
    _add(dataset, background_graph(base), background)
    for folder in article_folders(data_dir):
        article = compile_article(folder, vocab, base)
        build.articles.append(article)
        build.problems.extend(article.problems)
        graph_iri = article_graph(article.slug, base)
        article.graph.add((graph_iri, PROV.wasDerivedFrom, article.iri))
        article.graph.add((graph_iri, RDFS.label, Literal(f"Facts stated by the article {article.slug}", lang="en")))
        _add(dataset, graph_iri, article.graph)
    known = known_ids(build, background, base)
    build.problems.extend(_untyped(build, background, known, base))
    build.problems.extend(_conflicting_classes(build, ontology))
    build.problems.extend(_dangling(build, background, known, base))
    return build


def build_dataset(data_dir="data", ontology_dir="ontology", base=None) -> Dataset:
    """The whole dataset as an rdflib ``Dataset`` (default graph = union).

    Raises BuildError for unusable input and ValidationFailed (listing each
    problem with file, line and term) for spans that do not match the text,
    unknown ontology terms and references to nodes that do not exist.
    """
    build = compile_all(data_dir, ontology_dir, base)
    if build.problems:
        raise ValidationFailed(f"{len(build.problems)} problem(s) in the input", [str(p) for p in build.problems])
    return build.dataset


def build_store(store_dir, *, data_dir="data", ontology_dir="ontology", base=None, validate=True) -> dict:
    """Build into a new directory, then swap it in for ``store_dir``.

    A failed build (bad input, failed validation) raises and leaves any
    previous store untouched. Returns the statistics of the new store.
    """
    target = Path(store_dir)
    _check_replaceable(target)
    # Held to the end: a store being served (or written) is refused at once, exit 2.
    with StoreLock(target, exclusive=True, who="kg build"):
        clear_temp(target)  # what an interrupted build or load left
        try:
            return _build_and_swap(target, data_dir, ontology_dir, base, validate)
        finally:
            clear_temp(target)


def _build_and_swap(target: Path, data_dir, ontology_dir, base, validate) -> dict:
    build = compile_all(data_dir, ontology_dir, base)
    if build.problems:
        raise ValidationFailed(f"{len(build.problems)} problem(s) in the input", [str(p) for p in build.problems])
    dataset = build.dataset
    if validate:
        problems = shacl_problems(dataset, ontology_dir, build.where)
        if problems:
            raise ValidationFailed(f"{len(problems)} SHACL violation(s)", problems)
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = temp_folder(target) / "new"
    store = Store.open(fresh, read_only=False)
    with store.writing("kg build"):
        store.load(dataset.serialize(format="nquads").encode("utf-8"), NQUADS)
        store.materialize_union()
    stats = store_stats(store)
    del store
    _swap(fresh, target)
    return stats


BASE = re.compile(r"^https?://[^\s<>\"{}|\\^`/]+(/[^\s<>\"{}|\\^`#?]*)?$")


def _check_base(base: str) -> None:
    """Every IRI of the data starts with the base: refuse one that cannot."""
    if not BASE.match(base):
        raise BuildError(f"'{base}' is not an absolute http(s) IRI without spaces, query or fragment",
                         where="base IRI (--base or KG_BASE)")


def _check_replaceable(target: Path) -> None:
    """Refuse to build over anything that is not an earlier store.

    The swap replaces ``target`` whole, so a file or a folder with other
    content (a typo in ``--store``) would be lost.
    """
    if not target.exists():
        return
    if not target.is_dir():
        raise BuildError("exists and is not a store directory; refusing to replace it", where=str(target))
    if any(target.iterdir()) and not (target / "CURRENT").is_file():
        raise BuildError("is a folder that does not hold a store; refusing to replace it", where=str(target))


def _swap(fresh: Path, target: Path) -> None:
    old = temp_folder(target) / "old"
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def _add(dataset: Dataset, name: URIRef, graph: Graph) -> None:
    target = dataset.graph(name)
    for triple in graph:
        target.add(triple)


def _background(folder: Path, vocab: Vocabulary, build: Build, base: str) -> Graph:
    """Every ``*.ttl`` of the background folder, each checked for unknown
    terms; ``build.sources`` remembers which file describes which node."""
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        part = parse_turtle(path, Graph(), base)
        for term in sorted(set(part.predicates()) | set(part.objects(None, RDF.type))):
            if str(term).startswith(str(DIP)) and not vocab.knows(term):
                build.problems.append(Problem(str(path), "not a term of the ontology (misspelt?)", f"dip:{term[len(DIP):]}"))
        for node in part.subjects():
            build.sources.setdefault(node, str(path))
        graph += part
    return graph


def known_ids(build: Build, background: Graph, base) -> dict[str, str]:
    """Every entity id (``kind/slug``) a class or the background describes,
    with its label (empty when it has none), across all articles."""
    ns = str(entity_ns(base))
    ids: dict[str, str] = {}
    graphs = [article.graph for article in build.articles]
    for graph in graphs:
        for node in graph.subjects(RDF.type, None):
            if isinstance(node, URIRef) and str(node).startswith(ns):
                ids.setdefault(node[len(ns):], "")
    for node in background.subjects():
        if isinstance(node, URIRef) and str(node).startswith(ns):
            ids.setdefault(node[len(ns):], "")
    for graph in [background, *graphs]:
        for node, label in graph.subject_objects(RDFS.label):
            if str(node).startswith(ns) and node[len(ns):] in ids and not ids[node[len(ns):]]:
                ids[node[len(ns):]] = str(label)
    return ids


def closest_ids(wanted: str, known, n: int = 3) -> list[str]:
    """The known ids closest to ``wanted`` (same kind first).

    >>> closest_ids("person/marco-rubbio", ["person/marco-rubio", "state/russia"])
    ['person/marco-rubio']
    """
    kind = wanted.split("/", 1)[0]
    same = [k for k in known if k.split("/", 1)[0] == kind]
    found = difflib.get_close_matches(wanted, same, n=n, cutoff=0.75)
    if not found:
        found = difflib.get_close_matches(wanted, list(known), n=n, cutoff=0.8)
    return found


def _did_you_mean(wanted: str, known: dict[str, str]) -> str:
    close = [k for k in closest_ids(wanted, [k for k in known if k != wanted])]
    if not close:
        return ""
    named = [f"{k} ({known[k]})" if known.get(k) else k for k in close]
    return "; did you mean " + " or ".join(named) + "?"


def _untyped(build: Build, background: Graph, known: dict[str, str], base) -> list[Problem]:
    """Mapping entries without ``a:`` that no article gives a class and the
    background does not describe: a misspelt id, or a new node whose class
    was forgotten. Reported on the entry itself."""
    ns = str(entity_ns(base))
    typed = {node for article in build.articles for node in article.classes}
    described = set(background.subjects())
    problems = []
    for article in build.articles:
        for node, where in article.untyped:
            if node in typed or node in described:
                continue
            ident = node[len(ns):] if str(node).startswith(ns) else str(node)
            problems.append(Problem(where, "has no class (a:) and no other article or the background describes it"
                                    + _did_you_mean(ident, known), ident))
    return problems


def _conflicting_classes(build: Build, ontology: Graph) -> list[Problem]:
    """One id given classes neither of which is a kind of the other, by two
    entries (in one mapping or in two articles): two things share an id."""
    seen: dict[URIRef, tuple[URIRef, str]] = {}
    problems = []
    for article in build.articles:
        for node, classes in article.classes.items():
            for cls, where in classes:
                if not str(cls).startswith(str(DIP)):
                    continue  # only the ontology's own classes are compared
                first = seen.setdefault(node, (cls, where))
                if first[1] == where or _related(ontology, cls, first[0]):
                    continue
                problems.append(Problem(where, f"is a {_short(cls)} here but a {_short(first[0])} at {first[1]}: "
                                        "two different things share this id", _short(node)))
    return problems


def _related(ontology: Graph, a: URIRef, b: URIRef) -> bool:
    return b in set(ontology.transitive_objects(a, RDFS.subClassOf)) or a in set(ontology.transitive_objects(b, RDFS.subClassOf))


def _short(term: URIRef) -> str:
    text = str(term)
    return text.rsplit("/id/", 1)[-1] if "/id/" in text else text.rsplit("/", 1)[-1]


def _dangling(build: Build, background: Graph, known: dict[str, str], base) -> list[Problem]:
    """References to entity IRIs that no graph describes (a typo in a slug)."""
    described = set(background.subjects(RDFS.label, None))
    for article in build.articles:
        described |= set(article.graph.subjects(RDFS.label, None))
    ns = str(entity_ns(base))
    problems = []
    for article in build.articles:
        for target, where in article.references:
            if str(target).startswith(ns) and target not in described:
                ident = target[len(ns):]
                problems.append(Problem(where, "refers to a node that no article or background describes"
                                        + _did_you_mean(ident, known), ident))
    return problems


STAT_CLASSES = {
    "articles": DIP.Article, "text spans": DIP.TextSpan, "sentences": DIP.Sentence, "persons": DIP.Person,
    "states": DIP.State, "organisations": DIP.Organisation, "groups": DIP.Group, "places": DIP.Place,
    "events": DIP.Event, "participations": DIP.Participation, "positions": DIP.Position,
    "quotations": DIP.Quotation, "quantities": DIP.Quantity, "office holdings": DIP.OfficeHolding,
}


def store_stats(store: Store) -> dict:
    """Triples per named graph and instances per main class (with subclasses)."""
    graphs = {}
    for name in store.named_graphs():
        graphs[name] = len(list(store.quads(name)))
    classes = {}
    for label, cls in STAT_CLASSES.items():
        query = (
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?c rdfs:subClassOf* <{cls}> . ?x a ?c }}"
        )
        classes[label] = int(next(iter(store.query(query)))["n"].value)
    return {"quads": len(store), "graphs": graphs, "instances": classes}
