"""docker-compose.yaml and provisioning/ are checked by tools, since no Docker engine runs here."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("go") is None, reason="needs the Go toolchain")
def test_compose_file_is_valid_for_compose():
    # compose-go, the loader of `docker compose config`: schema, interpolation, references.
    out = subprocess.run(
        ["go", "run", ".", str(REPO / "docker-compose.yaml")],
        cwd=REPO / "tools" / "compose-check",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    project = yaml.safe_load(out.stdout)
    services = project["services"]
    assert {"grafana", "prometheus", "loki", "tempo", "sample-app", "payments", "traffic-generator"} <= set(services)
    grafana = services["grafana"]
    assert grafana["image"].startswith("grafana/grafana:")
    major, minor = (int(x) for x in grafana["image"].split(":")[1].split(".")[:2])
    assert (major, minor) >= (11, 6)
    assert grafana["environment"]["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"] == "rcp-reliability-app"
    mounts = {v["target"]: v["source"] for v in grafana["volumes"]}
    assert mounts["/var/lib/grafana/plugins/rcp-reliability-app"] == str(REPO / "dist")
    assert "--web.enable-remote-write-receiver" in " ".join(services["prometheus"]["command"])


def test_provisioned_app_uses_the_provisioned_datasources():
    ds = yaml.safe_load((REPO / "provisioning/datasources/datasources.yaml").read_text())["datasources"]
    by_type = {d["type"]: d for d in ds}
    assert {d["uid"] for d in ds} == {"prometheus", "loki", "tempo"}
    app = yaml.safe_load((REPO / "provisioning/plugins/apps.yaml").read_text())["apps"][0]
    assert app["type"] == "rcp-reliability-app"
    assert "secureJsonData" not in app
    sel = app["jsonData"]["datasources"]
    assert (sel["prometheusUid"], sel["lokiUid"], sel["tempoUid"]) == ("prometheus", "loki", "tempo")
    assert app["jsonData"]["metrics"]["preset"] == "otel"
    derived = by_type["loki"]["jsonData"]["derivedFields"][0]
    assert derived["datasourceUid"] == "tempo"
    tempo = by_type["tempo"]["jsonData"]
    assert tempo["tracesToLogsV2"]["datasourceUid"] == "loki"
    assert tempo["serviceMap"]["datasourceUid"] == "prometheus"


def test_loki_derived_field_matches_a_sample_log_line():
    import re

    ds = yaml.safe_load((REPO / "provisioning/datasources/datasources.yaml").read_text())["datasources"]
    regex = next(d for d in ds if d["type"] == "loki")["jsonData"]["derivedFields"][0]["matcherRegex"]
    line = '{"level": "error", "message": "x", "trace_id": "760e7957ca950f4b895d7c1fa9f75860", "span_id": "ae87"}'
    assert re.search(regex, line).group(1) == "760e7957ca950f4b895d7c1fa9f75860"
