"""The embedding signal (bundled MiniLM): raises low-severity flags, never overrules a rule."""

from __future__ import annotations

import pytest

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
from extractors.pdf import read_pdf
from services.contract_playbook import SimilaritySpec, default_playbook
from services.contract_review import review_document


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from retrieval.embedder import get_embedder

    return get_embedder()


def _doc(text: str):  # type: ignore[no-untyped-def]
    src = ContractSource(
        title="AGREEMENT", lang="en", clauses=[SourceClause(heading="Article 1 Term", paragraphs=[text])]
    )
    return read_pdf(render_pdf(src), name="s.pdf")


def test_a_sentence_no_rule_saw_can_be_flagged_by_similarity(embedder) -> None:  # type: ignore[no-untyped-def]
    playbook = default_playbook().model_copy(update={"similarity": SimilaritySpec(threshold=0.6)})
    doc = _doc("The Customer may end this Agreement whenever it chooses, without giving any reason.")
    assert review_document(doc, playbook).flags == []  # no rule matches the wording
    flags = review_document(doc, playbook, embedder=embedder).flags
    assert [(f.category, f.source, f.severity) for f in flags] == [
        ("counterparty_termination_for_convenience", "similarity", "low")
    ]
    assert "similarity 0.6" in flags[0].explanation and flags[0].page == 1 and flags[0].bbox


def test_similarity_never_overrules_a_rule_that_looked(embedder) -> None:  # type: ignore[no-untyped-def]
    playbook = default_playbook().model_copy(update={"similarity": SimilaritySpec(threshold=0.3)})
    doc = _doc("The Customer shall pay each undisputed invoice within thirty (30) days after acceptance.")
    flags = review_document(doc, playbook, embedder=embedder).flags
    assert "payment_term_over_90_days" not in {f.category for f in flags}


def test_chinese_is_left_to_the_patterns(embedder) -> None:  # type: ignore[no-untyped-def]
    src = ContractSource(
        title="合同", clauses=[SourceClause(heading="第一条 期限", paragraphs=["甲方可以随便结束本合同。"])]
    )
    playbook = default_playbook().model_copy(update={"similarity": SimilaritySpec(threshold=0.0)})
    assert review_document(read_pdf(render_pdf(src), name="z.pdf"), playbook, embedder=embedder).flags == []
