from retrieval.sparse import encode_document, encode_query, term_id, tokenize


def test_chinese_is_cut_into_words_and_sub_words() -> None:
    terms = tokenize("某汽车集团焊装车间节拍瓶颈")
    assert "焊装" in terms and "车间" in terms and "瓶颈" in terms


def test_english_words_are_lower_cased_and_stopwords_dropped() -> None:
    assert tokenize("The Predictive Maintenance of MES") == ["predictive", "maintenance", "mes"]


def test_mixed_text_keeps_both_languages() -> None:
    terms = tokenize("AI质检系统 quality inspection")
    assert "质检" in terms and "ai" in terms and "inspection" in terms


def test_document_weights_saturate_with_repetition() -> None:
    once = encode_document("预算 审批")
    many = encode_document("预算 预算 预算 预算 审批")
    budget = term_id("预算")
    w_once = once.values[once.indices.index(budget)]
    w_many = many.values[many.indices.index(budget)]
    assert w_many > w_once
    assert w_many < 4 * w_once  # BM25 saturation, not raw counts


def test_query_weights_are_one_per_distinct_term() -> None:
    vector = encode_query("焊装 焊装 节拍")
    assert sorted(vector.indices) == vector.indices
    assert set(vector.values) == {1.0}
    assert len(vector.indices) == len(set(tokenize("焊装 节拍")))
