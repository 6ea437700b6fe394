"""The tagger on both languages: patterns, exemplars, negation, hedging, values, evidence spans."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.tags import ContactRef, Tagger, load_competitors, load_taxonomy, split_sentences

REF = date(2026, 11, 24)

REQUIRED_IDS = {
    "cares_energy_cost",
    "cares_data_security",
    "cares_downtime",
    "cares_quality_yield",
    "cares_delivery_time",
    "cares_integration",
    "price_sensitive",
    "cares_roi",
    "cares_after_sales",
    "dislikes_slide_pitch",
    "prefers_onsite_demo",
    "prefers_case_studies",
    "needs_group_approval",
    "budget",
    "timeline",
    "competitor",
    "decision_maker",
    "next_step",
    "stakeholder_change",
}


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()  # patterns only: fast, and what Chinese relies on


@pytest.fixture(scope="session")
def embedding_tagger() -> Tagger:
    from retrieval.embedder import get_embedder

    return Tagger(embedder=get_embedder())


def ids(proposals) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.tag_id for p in proposals}


def test_taxonomy_ships_every_tag_of_the_issue_with_both_labels() -> None:
    taxonomy = load_taxonomy()
    assert {t.id for t in taxonomy.tags} >= REQUIRED_IDS
    assert load_taxonomy().get("cares_energy_cost").label["zh"] == "关注能耗成本"
    assert load_taxonomy().get("dislikes_slide_pitch").label["zh"] == "反感PPT式汇报"
    siemens = next(c for c in load_competitors().competitors if c.id == "siemens")
    assert {"西门子", "Siemens"} <= set(siemens.aliases)


def test_chinese_seed_case(tagger: Tagger) -> None:
    text = "王总说他们最关注能耗成本。李处长很反感PPT式汇报。预算大概五十万，希望下个季度末之前完成改造。西门子上周也来过。"
    found = tagger.tag(text, recorded_on=REF)
    assert {"cares_energy_cost", "dislikes_slide_pitch", "budget", "timeline", "competitor"} <= ids(found)
    budget = next(p for p in found if p.tag_id == "budget")
    assert budget.value == {"amount": 500000, "currency": "CNY", "text": "五十万"}
    assert text[budget.start : budget.end] == budget.quote and "五十万" in budget.quote
    assert next(p for p in found if p.tag_id == "timeline").value["date"] == "2027-03-31"
    assert next(p for p in found if p.tag_id == "competitor").value["id"] == "siemens"
    energy = next(p for p in found if p.tag_id == "cares_energy_cost")
    assert energy.label == "关注能耗成本" and energy.method == "pattern" and energy.explanation


def test_negation_is_respected_in_both_languages(tagger: Tagger) -> None:
    assert "price_sensitive" not in ids(
        tagger.tag("They are not worried about price at all.", recorded_on=REF)
    )
    assert "price_sensitive" not in ids(tagger.tag("The price is not an issue for them.", recorded_on=REF))
    assert "cares_energy_cost" not in ids(tagger.tag("他们对能耗不太关心，电价很便宜。", recorded_on=REF))
    assert "needs_group_approval" not in ids(tagger.tag("这次采购不需要集团审批。", recorded_on=REF))
    # a negative wish still expresses the concern
    assert "cares_downtime" in ids(
        tagger.tag("They don't want any downtime during the peak season.", recorded_on=REF)
    )
    assert "cares_downtime" in ids(tagger.tag("他们不希望停机。", recorded_on=REF))
    # the negation stays in its clause
    found = tagger.tag("They are not worried about price, but the energy bill is huge.", recorded_on=REF)
    assert ids(found) == {"cares_energy_cost"}


def test_hedging_lowers_confidence_and_doubt_drops(tagger: Tagger) -> None:
    assert "cares_energy_cost" not in ids(
        tagger.tag("I am not sure whether energy cost matters to them.", recorded_on=REF)
    )
    assert "cares_after_sales" not in ids(tagger.tag("客户可能关注售后，但没明说。", recorded_on=REF))
    plain = tagger.tag("Their energy cost is high.", recorded_on=REF)[0]
    assert plain.confidence > 0.8


def test_rejected_span_is_not_proposed_again(tagger: Tagger) -> None:
    text = "The energy bill is what they care about."
    first = tagger.tag(text, recorded_on=REF)
    again = tagger.tag(text, recorded_on=REF, suppressed={first[0].span_key})
    assert first and not again


def test_decision_maker_is_matched_to_contacts(tagger: Tagger) -> None:
    contacts = [ContactRef(id=7, name="赵建国", title="厂长"), ContactRef(id=8, name="Liu Yang", title="VP")]
    zh = next(
        p
        for p in tagger.tag("由厂长赵总拍板。", recorded_on=REF, contacts=contacts)
        if p.tag_id == "decision_maker"
    )
    assert zh.value["contact_id"] == 7 and zh.value["new_contact"] is False
    en = next(
        p
        for p in tagger.tag(
            "The person who makes the final call is Mister Liu.", recorded_on=REF, contacts=contacts
        )
        if p.tag_id == "decision_maker"
    )
    assert en.value["contact_id"] == 8
    new = next(
        p
        for p in tagger.tag("最终由钱副总拍板。", recorded_on=REF, contacts=contacts)
        if p.tag_id == "decision_maker"
    )
    assert new.value["new_contact"] is True and new.value["name"] == "钱副总"


def test_next_step_carries_its_due_date_and_is_not_a_timeline(tagger: Tagger) -> None:
    found = tagger.tag("I will send the energy audit proposal by Friday.", recorded_on=REF)
    assert ids(found) == {"next_step"}
    assert found[0].value["due"] == "2026-11-27"
    zh = tagger.tag("我答应明天把调整后的报价发过去。", recorded_on=REF)
    assert next(p for p in zh if p.tag_id == "next_step").value["due"] == "2026-11-25"


def test_exemplars_catch_an_english_paraphrase(tagger: Tagger, embedding_tagger: Tagger) -> None:
    text = "Every hour the line stands still costs them a fortune."
    assert "cares_downtime" not in ids(tagger.tag(text, recorded_on=REF))
    found = [p for p in embedding_tagger.tag(text, recorded_on=REF) if p.tag_id == "cares_downtime"]
    assert found and found[0].method == "exemplar"


def test_sentences_have_offsets() -> None:
    text = "第一句。Second one. 第三句！"
    assert [text[s:e] for s, e in split_sentences(text)] == ["第一句。", "Second one.", "第三句！"]


def test_competitor_aliases_and_dictionary_edits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from extractors.tags import load_competitors

    path = tmp_path / "competitors.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "competitors": [{"id": "acme", "name": "艾克米 Acme", "aliases": ["艾克米", "Acme"]}],
            },
            allow_unicode=True,
        )
    )
    tagger = Tagger(competitors=load_competitors(path))
    found = tagger.tag("They also talk to ACME and 艾克米.", recorded_on=REF)
    assert [p.value["id"] for p in found if p.tag_id == "competitor"] == ["acme"]
    assert "competitor" not in ids(tagger.tag("西门子上周也来过。", recorded_on=REF))


def test_hedged_value_tags_keep_their_value(tagger: Tagger) -> None:
    found = tagger.tag("Maybe they also talk to Siemens.", recorded_on=REF)
    assert [(p.tag_id, p.value["id"]) for p in found] == [("competitor", "siemens")]
    assert found[0].confidence < 0.9 and any("hedged" in e for e in found[0].explanation)
