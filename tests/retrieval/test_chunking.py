from retrieval.chunking import BUDGET, Segment, chunk_segments, chunk_text, sentences, units


def test_sentences_split_on_chinese_and_english_punctuation() -> None:
    text = "焊装车间节拍瓶颈严重。计划引入AI质检！The plant wants predictive maintenance. Budget is tight."
    parts = [text[a:b] for a, b in sentences(text)]
    assert parts == [
        "焊装车间节拍瓶颈严重。",
        "计划引入AI质检！",
        "The plant wants predictive maintenance.",
        "Budget is tight.",
    ]


def test_long_text_is_cut_at_sentence_ends_within_budget() -> None:
    text = "".join(f"第{i}句话讲的是产线的节拍问题和设备状态。" for i in range(60))
    chunks = chunk_text(text)
    assert len(chunks) > 1
    for chunk in chunks:
        assert units(chunk.text) <= BUDGET
        assert chunk.text.endswith("。")
        assert text[int(chunk.start) : int(chunk.end)] == chunk.text  # offsets point back into the source


def test_turns_are_packed_and_keep_speakers_and_times() -> None:
    turns = [
        Segment(f"第{i}轮发言内容。", start=i * 10, end=i * 10 + 9, speaker="客户" if i % 2 else "销售")
        for i in range(4)
    ]
    chunks = chunk_segments(turns, merge=True)
    assert len(chunks) == 1
    assert chunks[0].start == 0 and chunks[0].end == 39
    assert chunks[0].speakers == ["销售", "客户"]
    assert chunks[0].text.startswith("销售: 第0轮")


def test_clauses_are_never_merged_and_long_ones_are_split() -> None:
    clauses = [
        Segment("付款期限为120天。", page=1, bbox=[10, 20, 300, 40], label="第五条 付款"),
        Segment("双方应保守秘密。", page=2, bbox=[10, 60, 300, 80], label="第六条 保密"),
        Segment("违约方应赔偿损失。" * 40, page=3, label="第七条 违约"),
    ]
    chunks = chunk_segments(clauses, merge=False)
    assert [c.page for c in chunks[:2]] == [1, 2]
    assert chunks[0].bbox == [10, 20, 300, 40]
    assert len(chunks) > 3  # the long clause became several chunks
    assert all(c.label == "第七条 违约" for c in chunks[2:])
