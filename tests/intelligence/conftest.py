"""Fixtures of the intelligence tests: small hand-written complaints of a 4S shop (P1), never the
research data under ../shared/data (the benchmarks read that)."""

from __future__ import annotations

import pytest

from kesu.intelligence import services

# What customers of a car dealer say, by the P1 category a person gave it (written for these tests).
HISTORY = {
    "repair_quality": [
        "修完车第二天发动机又异响，维修根本没修好", "刚换的刹车片还是有异响，返修了两次",
        "保养后机油渗漏，修理工没拧紧",
        "空调修完还是不制冷，白花了维修费", "变速箱维修后换挡顿挫更严重了", "喷漆有色差，补漆质量太差",
        "轮胎动平衡没做好，高速方向盘抖", "更换的电瓶三天就没电了，维修质量有问题",
    ],
    "repair_time": [
        "车放在店里修了半个月还没修好", "说好今天提车，又要再等三天", "预约保养到店还要排队等四个小时",
        "维修进度没人通知，一直在等", "配件到了还拖着不给装，等了一周", "保养说两小时，结果等了一整天",
        "钣金修了二十天还没完工", "每次来都要等很久，太耽误时间",
    ],
    "attitude": [
        "前台接待态度恶劣，爱理不理", "销售顾问说话很冲，还翻白眼", "服务顾问不耐烦，问两句就挂电话",
        "客服态度差，推卸责任", "接待员对客户大声吼叫", "工作人员态度冷淡，没人理我们",
        "售后经理态度傲慢，说爱修不修", "电话打过去态度极差，还骂人",
    ],
}


def history_rows(times: int = 1):
    return [(cat, text) for cat, texts in HISTORY.items() for text in texts] * times


@pytest.fixture(autouse=True)
def _fresh_model():
    services.forget_loaded_model()
    yield
    services.forget_loaded_model()


@pytest.fixture
def confirmed(p1, people, now):
    """The shop's confirmed history: each complaint registered and classified by 王客服."""
    from datetime import timedelta

    from kesu.complaints import lifecycle
    from tests.factories import register

    made = []
    for i, (category, text) in enumerate(history_rows(2)):
        at = now - timedelta(days=200) + timedelta(hours=i)  # older than the repeat window
        c = register(people, at, customer_words=text, customer_phone=f"1390000{i:04d}")
        made.append(lifecycle.classify(c, actor=people["wangkf"], now=at, level="dissatisfied", category=category,
                                       validity="valid"))
    return made
