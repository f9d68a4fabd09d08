from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest

from kiosk.cli import config as config_cli
from kiosk.config import ConfigError, Department, KioskConfig, Secret, load_config, redacted

SITE = """
site_name = "Bệnh viện Đa khoa tỉnh"
[policy]
accepted_verdicts = ["authentic", "issuer-unknown"]
flagged_verdicts = ["issuer-unknown"]
[[departments]]
code = "NOI"
name = "Khoa Nội"
room = "P.101"
[[departments]]
code = "NHI"
name = "Khoa Nhi"
[bhyt]
username = "bv_user"
password = "site-secret-pw"
[retention]
days = 60
"""

DEVICE = """
kiosk_id = "kiosk-lobby-2"
hardware_profile = "compact-58mm"
[printer]
kind = "file"
path = "/dev/usb/lp0"
[retention]
days = 45
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, site: str = SITE, device: str = DEVICE, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return load_config(write(tmp_path, "site.toml", site), write(tmp_path, "device.toml", device), env or {})


def test_layers_override_in_order_and_sources_are_tracked(tmp_path: Path) -> None:
    loaded = load(tmp_path, env={"CCCD_KIOSK_RETENTION__DAYS": "7", "CCCD_KIOSK_BHYT__PASSWORD": "env-pw"})
    cfg = loaded.config
    assert cfg.retention.days == 7  # env beats device beats site
    assert cfg.kiosk_id == "kiosk-lobby-2"
    assert cfg.site_name == "Bệnh viện Đa khoa tỉnh"
    assert cfg.departments == (Department("NOI", "Khoa Nội", "P.101"), Department("NHI", "Khoa Nhi"))
    assert cfg.bhyt.password.reveal() == "env-pw"
    assert cfg.his == KioskConfig().his  # untouched section keeps defaults
    assert loaded.sources["retention.days"] == "env:CCCD_KIOSK_RETENTION__DAYS"
    assert loaded.sources["kiosk_id"].startswith("device:")
    assert loaded.sources["bhyt.username"].startswith("site:")
    assert loaded.sources["his.base_url"] == "default"
    assert cfg.hardware().id == "compact-58mm"
    assert cfg.ticket_width_px() == 384  # from the profile's 58 mm printer


def test_config_is_frozen(tmp_path: Path) -> None:
    cfg = load(tmp_path).config
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.kiosk_id = "x"  # type: ignore[misc]


def test_secrets_never_print(tmp_path: Path) -> None:
    cfg = load(tmp_path).config
    for text in (repr(cfg), str(cfg), json.dumps(redacted(cfg)), str(cfg.bhyt.password)):
        assert "site-secret-pw" not in text
    assert redacted(cfg)["bhyt"]["password"] == "***"
    assert repr(Secret("x")) == "Secret('***')"


@pytest.mark.parametrize(
    ("device", "env", "key", "source_prefix", "words"),
    [
        ('[retention]\ndays = "many"\n', {}, "retention.days", "device:", "integer"),
        ("[printer]\nkind = 'laser'\n", {}, "printer.kind", "device:", "one of"),
        ("[printer]\nkind = 'network'\n", {}, "printer.host", "device:", "required"),
        ("[printr]\nkind = 'file'\n", {}, "printr", "device:", "unknown setting"),
        ("[bhyt]\npasword = 'x'\n", {}, "bhyt.pasword", "device:", "unknown setting"),
        ("", {"CCCD_KIOSK_METRICS__PORT": "http"}, "metrics.port", "env:", "integer"),
        ("", {"CCCD_KIOSK_HARDWARE_PROFILE": "no-such-kiosk"}, "hardware_profile", "env:", "known:"),
        (
            "[policy]\naccepted_verdicts = ['authentic', 'failed']\n",
            {},
            "policy.accepted_verdicts",
            "device:",
            "never",
        ),
        (
            "[policy]\naccepted_verdicts = ['authentic', 'isuer-unknown']\n",
            {},
            "policy.accepted_verdicts",
            "device:",
            "unknown verdict",
        ),
        ("[printer]\nwidth_px = 500\n", {}, "printer.width_px", "device:", "384"),
        ("[his]\nbase_url = 'ftp://x'\n", {}, "his.base_url", "device:", "http"),
    ],
)
def test_errors_name_key_and_layer(
    tmp_path: Path, device: str, env: dict[str, str], key: str, source_prefix: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, device=device, env=env)
    err = info.value
    assert err.key == key
    assert err.source.startswith(source_prefix)
    assert words in str(err)
    assert key in str(err)


def test_bad_toml_and_missing_named_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, device="kiosk_id = \n")
    assert "TOML" in str(info.value) and "device.toml" in info.value.source
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", None, {})
    with pytest.raises(ConfigError, match="not found"):
        load_config(None, None, {"CCCD_KIOSK_DEVICE_FILE": str(tmp_path / "gone.toml")})


def test_env_types(tmp_path: Path) -> None:
    cfg = load(tmp_path, env={
        "CCCD_KIOSK_METRICS__ENABLED": "yes",
        "CCCD_KIOSK_PRINTER__USB_VENDOR": "0x04b8",
        "CCCD_KIOSK_POLICY__ACCEPTED_VERDICTS": "authentic, issuer-unknown",
        "CCCD_KIOSK_DATA_DIR": str(tmp_path / "data"),
    }).config  # fmt: skip
    assert cfg.metrics.enabled is True
    assert cfg.printer.usb_vendor == 0x04B8
    assert cfg.policy.accepted_verdicts == ("authentic", "issuer-unknown")
    assert cfg.data_dir == tmp_path / "data"


def _args(tmp_path: Path, action: str, as_json: bool = False) -> argparse.Namespace:
    return argparse.Namespace(
        action=action, site=tmp_path / "site.toml", device=tmp_path / "device.toml", json=as_json
    )


def test_cli_show_redacts_and_names_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "site.toml", SITE)
    write(tmp_path, "device.toml", DEVICE)
    assert config_cli.run(_args(tmp_path, "show")) == 0
    out = capsys.readouterr().out
    assert "site-secret-pw" not in out
    assert "bhyt.password" in out and '"***"' in out
    line = next(x for x in out.splitlines() if x.startswith("retention.days"))
    assert "45" in line and "device:" in line
    assert config_cli.run(_args(tmp_path, "show", as_json=True)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["config"]["bhyt"]["password"] == "***"
    assert data["sources"]["site_name"].startswith("site:")


def test_cli_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "site.toml", SITE)
    write(tmp_path, "device.toml", DEVICE)
    assert config_cli.run(_args(tmp_path, "check")) == 0
    write(tmp_path, "device.toml", "[retention]\ndays = 0\n")
    assert config_cli.run(_args(tmp_path, "check")) == 1
    err = capsys.readouterr().err
    assert "retention.days" in err and "device.toml" in err


def test_cli_registers_config_subcommand() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    config_cli.add_parser(sub)
    args = parser.parse_args(["config", "check", "--json"])
    assert args.handler is config_cli.run and args.json
