from pathlib import Path

import pytest
import yaml

from extractor.errors import LayoutSpecError
from extractor.layout.spec import load_layout, load_layouts, parse_layout

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


def standard() -> dict:
    return yaml.safe_load((LAYOUTS / "perf-selfeval.yaml").read_text(encoding="utf-8"))


def test_every_shipped_layout_loads():
    specs = load_layouts(LAYOUTS)
    ids = [s.id for s in specs]
    assert "perf-selfeval" in ids
    spec = next(s for s in specs if s.id == "perf-selfeval")
    assert "funds.fiscal.execution_rate" in spec.field_keys
    assert {r.id for r in spec.rules} >= {"weight_sum", "score_sum", "score_le_weight", "execution_rate"}


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d.pop("id"), "id"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["fields"]["phone"].update(type="telephone"), "fields.phone.type"),
        (lambda d: d["fields"]["phone"].update(value="left"), "fields.phone.value"),
        (lambda d: d["matrices"]["funds"]["columns"].update(x={"type": "amount"}), "matrices.funds.columns.x.label"),
        (lambda d: d["indicators"].update(key="nope"), "indicators.key"),
        (lambda d: d["rules"].append({"id": "bad", "check": "total.weight == nope"}), "rules[8].check"),
        (lambda d: d["rules"].append({"id": "bad", "check": "__import__('os')"}), "rules[8].check"),
        (lambda d: d["rules"].append({"id": "bad", "check": "total.weight =="}), "rules[8].check"),
        (lambda d: d["fields"].update(year={"line": "(unclosed"}), "fields.year.line"),
        (lambda d: d["rules"][0].update(mark=["total.nope"]), "rules[0].mark"),
        (lambda d: d["indicators"]["columns"]["level2"].update(within="nope"), "indicators.columns.level2.within"),
        (lambda d: d["indicators"]["columns"]["level2"]["values"].update(别的指标=["x指标"]),
         "indicators.columns.level2.within"),  # a group under no entry of level1
        (lambda d: d["indicators"]["columns"]["level2"].pop("within"), "indicators.columns.level2.values"),
        (lambda d: d["indicators"]["columns"]["level1"].update(within="level2"), "indicators.columns.level1.within"),
        (lambda d: d["matrices"]["funds"]["columns"]["weight"].update(within="x", values={"a": ["b"]}),
         "matrices.funds.columns"),
    ],
)
def test_a_bad_spec_names_file_and_key(mutate, key):
    data = standard()
    mutate(data)
    with pytest.raises(LayoutSpecError) as err:
        parse_layout(data, "layouts/x.yaml")
    assert err.value.path == "layouts/x.yaml"
    assert err.value.key == key
    assert "layouts/x.yaml" in str(err.value) and key in str(err.value)


def test_bad_yaml_and_duplicate_ids(tmp_path):
    (tmp_path / "a.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(LayoutSpecError, match="not valid YAML"):
        load_layout(tmp_path / "a.yaml")
    (tmp_path / "a.yaml").write_text((LAYOUTS / "perf-selfeval.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text((LAYOUTS / "perf-selfeval.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(LayoutSpecError, match="used by another layout"):
        load_layouts(tmp_path)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(LayoutSpecError, match=r"no \*\.yaml"):
        load_layouts(tmp_path)
