"""Params files are validated before any kernel starts; errors name the key and what is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import ParamsError
from analysis.params import (
    DataHealthParams,
    apply_overrides,
    load_batch_params,
    load_report_params,
)


def _write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "report: data_health\nperiod: 2026-10\ndata:\n  path: {path}\n"


def test_valid_file_gives_the_report_model(tmp_path, tiny_dir):
    params = load_report_params(_write(tmp_path, GOOD.format(path=tiny_dir)))
    assert isinstance(params, DataHealthParams)
    assert params.period == "2026-10" and params.output_name == "data_health"


def test_unknown_key_names_the_key_and_the_accepted_keys(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + "perod: 2026-09\n")
    with pytest.raises(ParamsError) as raised:
        load_report_params(path)
    message = str(raised.value)
    assert "unknown key 'perod'" in message and "period" in message and str(path) in message


def test_unknown_key_in_data_block_lists_data_keys(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + "  encodng: gb18030\n")
    with pytest.raises(ParamsError, match=r"unknown key 'data.encodng'.*encoding"):
        load_report_params(path)


def test_wrong_type_names_the_key_and_the_value(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + "  strict: sometimes\n")
    with pytest.raises(ParamsError, match=r"key 'data.strict'.*'sometimes'"):
        load_report_params(path)


@pytest.mark.parametrize("bad", ["2026-13", "Oct 2026", "2026/10", "2026-10-01"])
def test_bad_month_names_period_and_the_format(tmp_path, tiny_dir, bad):
    text = GOOD.format(path=tiny_dir).replace("2026-10", f"'{bad}'")
    with pytest.raises(ParamsError, match=r"key 'period'.*YYYY-MM"):
        load_report_params(_write(tmp_path, text))


def test_unsupported_encoding_lists_the_accepted_ones(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + "  encoding: shift_jis\n")
    with pytest.raises(ParamsError, match=r"key 'data.encoding'.*gb18030"):
        load_report_params(path)


def test_unknown_report_lists_the_reports(tmp_path, tiny_dir):
    text = GOOD.format(path=tiny_dir).replace("data_health", "dat_health")
    with pytest.raises(
        ParamsError,
        match=r"'dat_health' is not a report; accepted: abtest, anomalies, attribution, "
        r"data_health",
    ):
        load_report_params(_write(tmp_path, text))


@pytest.mark.parametrize("bad", ["../escape", "a/b", ".hidden", "x\\\\y"])
def test_report_name_must_be_a_plain_file_name(tmp_path, tiny_dir, bad):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + f'name: "{bad}"\n')
    with pytest.raises(ParamsError, match=r"key 'name'.*plain file name"):
        load_report_params(path)


def test_missing_params_file_is_named(tmp_path):
    with pytest.raises(ParamsError, match=r"nope\.yaml does not exist"):
        load_report_params(tmp_path / "nope.yaml")


def test_path_and_url_together_are_refused(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + "  url: duckdb://x.duckdb\n")
    with pytest.raises(ParamsError, match="exactly one of 'path'"):
        load_report_params(path)


def test_column_mapping_of_unknown_contract_column_is_refused(tmp_path, tiny_dir):
    text = GOOD.format(path=tiny_dir) + "  columns:\n    orders:\n      amount: 金额\n"
    with pytest.raises(ParamsError, match=r"\['amount'\] are not contract columns of orders"):
        load_report_params(_write(tmp_path, text))


def test_overrides_reach_into_blocks_and_parse_values():
    merged = apply_overrides({"data": {"path": "a"}}, ["data.strict=false", "period=2026-09"], "x")
    assert merged == {"data": {"path": "a", "strict": False}, "period": "2026-09"}


def test_override_without_equals_sign_is_refused():
    with pytest.raises(ParamsError, match="is not key=value"):
        apply_overrides({}, ["period"], "x")


def test_batch_merges_shared_keys_and_refuses_duplicate_names(tmp_path, tiny_dir):
    text = f"period: 2026-10\ndata: {{path: {tiny_dir}}}\nreports:\n  - report: data_health\n"
    reports = load_batch_params(_write(tmp_path, text))
    assert reports[0].period == "2026-10" and reports[0].data.path == tiny_dir
    with pytest.raises(ParamsError, match=r"\['data_health'\] appear twice"):
        load_batch_params(_write(tmp_path, text + "  - report: data_health\n", "b.yaml"))


def test_batch_entry_error_names_its_position(tmp_path, tiny_dir):
    text = (
        f"period: 2026-10\ndata: {{path: {tiny_dir}}}\nreports:\n"
        "  - report: data_health\n  - report: data_health\n    name: x\n    colour: red\n"
    )
    with pytest.raises(ParamsError, match=r"(?s)reports\[1\].*unknown key 'colour'"):
        load_batch_params(_write(tmp_path, text))


def test_missing_data_path_is_a_params_error_naming_the_key(tmp_path):
    path = _write(tmp_path, GOOD.format(path=tmp_path / "nowhere"))
    with pytest.raises(ParamsError, match=r"key 'data': .*nowhere' does not exist"):
        load_report_params(path)


def test_missing_mapped_file_names_the_table_key_and_lists_the_files(tmp_path, tiny_dir):
    text = GOOD.format(path=tiny_dir) + "  tables:\n    orders: 订单导出.csv\n"
    with pytest.raises(ParamsError, match=r"tables.orders: file '订单导出.csv' is not in .*orders"):
        load_report_params(_write(tmp_path, text))


def test_index_is_reserved_and_numbers_are_read_as_text(tmp_path, tiny_dir):
    with pytest.raises(ParamsError, match="reserved"):
        load_report_params(_write(tmp_path, GOOD.format(path=tiny_dir) + "name: index\n"))
    params = load_report_params(_write(tmp_path, GOOD.format(path=tiny_dir) + "name: 2026\n"))
    assert params.output_name == "2026"


def test_cli_accepts_notebooks_folder_for_run_and_batch():
    from analysis.cli import build_parser

    for command in ("run", "batch"):
        args = build_parser().parse_args([command, "p.yaml", "--notebooks", "mine"])
        assert args.notebooks == Path("mine")


RFM = "report: rfm\nperiod: 2026-10\ndata:\n  path: {path}\n"


def test_duplicate_yaml_key_is_refused_with_both_lines(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + "period: 2026-09\n")
    with pytest.raises(ParamsError, match=r"'period' appears twice.*lines 2 and 5"):
        load_report_params(path)


def test_duplicate_key_inside_a_block_is_refused(tmp_path, tiny_dir):
    text = GOOD.format(path=tiny_dir) + "  strict: true\n  strict: false\n"
    with pytest.raises(ParamsError, match=r"'strict' appears twice"):
        load_report_params(_write(tmp_path, text))


def test_impossible_date_is_a_params_error_naming_the_key(tmp_path, tiny_dir):
    path = _write(tmp_path, RFM.format(path=tiny_dir) + "as_of: 2026-02-30\n")
    with pytest.raises(ParamsError, match=r"key 'as_of'.*'2026-02-30'"):
        load_report_params(path)


def test_valid_dates_still_read_as_dates(tmp_path, tiny_dir):
    params = load_report_params(_write(tmp_path, RFM.format(path=tiny_dir) + "as_of: 2026-10-20\n"))
    assert params.as_of.isoformat() == "2026-10-20"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("k_max", "1000000"),
        ("lookback_days", "1e23"),
        ("lookback_days", "1000000000000000"),
        ("clv_horizon_days", "100000"),
        ("random_state", "-1"),
        ("random_state", "99999999999"),
    ],
)
def test_parameters_beyond_their_bounds_are_refused(tmp_path, tiny_dir, key, value):
    path = _write(tmp_path, RFM.format(path=tiny_dir) + f"{key}: {value}\n")
    with pytest.raises(ParamsError, match=rf"key '{key}'"):
        load_report_params(path)


def test_k_min_above_k_max_is_refused(tmp_path, tiny_dir):
    path = _write(tmp_path, RFM.format(path=tiny_dir) + "k_min: 9\nk_max: 4\n")
    with pytest.raises(ParamsError, match=r"k_min = 9 exceeds k_max = 4"):
        load_report_params(path)


@pytest.mark.parametrize("name", ["summary\n", "a\tb", "x\u202eyz"])
def test_name_with_a_control_character_is_refused(tmp_path, tiny_dir, name):
    path = _write(tmp_path, GOOD.format(path=tiny_dir))
    with pytest.raises(ParamsError, match=r"key 'name'"):
        load_report_params(path, [f"name={name!r}".replace("'", '"')])


def test_title_with_a_bidi_override_is_refused(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + 'title: "月报\\u202e"\n')
    with pytest.raises(ParamsError, match=r"key 'title'.*U\+202E"):
        load_report_params(path)


def test_a_list_as_a_key_is_a_params_error(tmp_path, tiny_dir):
    path = _write(tmp_path, GOOD.format(path=tiny_dir) + "? [a, b]\n: 1\n")
    with pytest.raises(ParamsError):
        load_report_params(path)
