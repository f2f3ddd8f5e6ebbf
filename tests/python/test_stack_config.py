import socket
import sys
from pathlib import Path

import pytest
import yaml

from stack.config import (
    DEFAULT_PORTS,
    REPO,
    busy_ports,
    cache_dir,
    config_values,
    port_env_name,
    render,
    render_defaults,
    resolve_ports,
    state_paths,
)
from stack.runner import CONFIG_FILES, START_ORDER, Proc, plan, render_configs, start, wait_ready

OBS = REPO / "observability"


def test_render_values_defaults_and_missing():
    assert render("a ${X} b ${Y:-dflt} c ${Z:-}", {"X": "1"}) == "a 1 b dflt c "
    assert render("${Y:-dflt}", {"Y": "set"}) == "set"
    assert render("no placeholders $HOME {X}", {}) == "no placeholders $HOME {X}"
    with pytest.raises(KeyError, match="NOPE"):
        render("${NOPE}", {})


def test_default_ports_and_env_overrides():
    assert resolve_ports({}) == DEFAULT_PORTS
    ports = resolve_ports({"RCP_PORT_OFFSET": "100", port_env_name("loki"): "23100"})
    assert ports["loki"] == 23100
    assert ports["prometheus"] == DEFAULT_PORTS["prometheus"] + 100
    assert port_env_name("jaeger_otlp_http") == "RCP_JAEGER_OTLP_HTTP_PORT"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RCP_LOKI_PORT": "abc"}, "RCP_LOKI_PORT must be a port number"),
        ({"RCP_LOKI_PORT": "80"}, "outside 1024-65535"),
        ({"RCP_PORT_OFFSET": "60000"}, "outside"),
        ({"RCP_PORT_OFFSET": "x"}, "RCP_PORT_OFFSET must be an integer"),
        ({"RCP_LOKI_PORT": str(DEFAULT_PORTS["tempo"])}, "are both"),
    ],
)
def test_bad_ports(env, message):
    with pytest.raises(ValueError, match=message):
        resolve_ports(env)


def test_busy_ports_finds_a_listener():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert busy_ports({"x": port}) == {"x": port}
    assert busy_ports({}) == {}


def test_paths_and_cache_dir(tmp_path):
    assert state_paths({"RCP_STACK_DIR": str(tmp_path)}).logs == tmp_path / "logs"
    assert state_paths({}).state == REPO / ".stack"
    assert cache_dir({"XDG_CACHE_HOME": "/x/cache"}) == Path("/x/cache/rcp-stack")
    assert cache_dir({"HOME": "/home/u"}) == Path("/home/u/.cache/rcp-stack")
    assert cache_dir({"RCP_STACK_CACHE": str(tmp_path)}) == tmp_path


def test_native_configs_render_with_loopback_ports(tmp_path):
    paths = state_paths({"RCP_STACK_DIR": str(tmp_path)})
    ports = resolve_ports({"RCP_PORT_OFFSET": "7"})
    files = render_configs(paths, config_values(ports))
    prom = yaml.safe_load(files["prometheus.yml"].read_text())
    targets = {c["job_name"]: c["static_configs"][0]["targets"][0] for c in prom["scrape_configs"]}
    assert targets["sample-app"] == f"127.0.0.1:{ports['sample_app']}"
    assert targets["payments"] == f"127.0.0.1:{ports['payments']}"
    # The Tempo double's /metrics carries the metrics-generator series Tempo would remote-write.
    assert targets["tempo"] == f"127.0.0.1:{ports['tempo']}"
    assert prom["global"]["scrape_interval"] == "5s"

    jaeger = yaml.safe_load(files["jaeger.yaml"].read_text())
    otlp = jaeger["receivers"]["otlp"]["protocols"]
    assert otlp["http"]["endpoint"] == f"127.0.0.1:{ports['jaeger_otlp_http']}"
    assert otlp["grpc"]["endpoint"] == f"127.0.0.1:{ports['jaeger_otlp_grpc']}"
    assert jaeger["extensions"]["jaeger_query"]["http"]["endpoint"] == f"127.0.0.1:{ports['jaeger_query']}"
    assert jaeger["extensions"]["healthcheckv2"]["http"]["endpoint"] == f"127.0.0.1:{ports['jaeger_health']}"
    # Jaeger stores the spans and forwards the same ones to the Tempo double.
    pipeline = jaeger["service"]["pipelines"]["traces"]
    assert pipeline["exporters"] == ["jaeger_storage_exporter", "otlphttp/tempo_double"]
    assert jaeger["exporters"]["otlphttp/tempo_double"]["endpoint"] == f"http://127.0.0.1:{ports['tempo']}"
    assert jaeger["extensions"]["jaeger_storage"]["backends"]["memstore"]["memory"]["max_traces"] > 0
    for text in (f.read_text() for f in files.values()):
        assert "${" not in text


def test_docker_defaults_point_at_compose_services():
    prom = yaml.safe_load(render_defaults((OBS / "prometheus.yml").read_text()))
    targets = {c["job_name"]: c["static_configs"][0]["targets"][0] for c in prom["scrape_configs"]}
    assert targets["sample-app"] == "sample-app:8080"
    tempo = yaml.safe_load(render_defaults((OBS / "tempo.yaml").read_text()))
    assert tempo["metrics_generator"]["storage"]["remote_write"][0]["url"] == "http://prometheus:9090/api/v1/write"
    assert tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317"
    loki = yaml.safe_load(render_defaults((OBS / "loki.yaml").read_text()))
    assert loki["server"]["http_listen_port"] == 3100


def test_plan_wires_the_services_to_each_other(tmp_path):
    paths = state_paths({"RCP_STACK_DIR": str(tmp_path)})
    ports = resolve_ports({})
    binaries = {n: Path(f"/bin/{n}") for n in ("prometheus", "jaeger")}
    cfg = {name: paths.config / name for name in CONFIG_FILES}
    traffic = {"scenario": "steady", "duration": 5, "rps": 2}
    procs = {p.name: p for p in plan(paths, ports, binaries, traffic, cfg, host=True)}
    assert list(procs) == [
        "prometheus",
        "loki-double",
        "tempo-double",
        "jaeger",
        "payments",
        "sample-app",
        "test-host",
        "traffic-generator",
    ]
    assert list(procs) == START_ORDER
    # The test host serves the plugin against the stack's Prometheus and the doubles, where Grafana listens.
    host = procs["test-host"].argv
    assert host[host.index("--listen") + 1] == "127.0.0.1:3000"
    assert host[host.index("--loki-url") + 1] == f"http://127.0.0.1:{ports['loki']}"
    assert procs["test-host"].ready_url == "http://127.0.0.1:3000/api/health"
    assert "test-host" not in {p.name for p in plan(paths, ports, binaries, traffic, cfg)}
    assert procs["jaeger"].argv == ["/bin/jaeger", f"--config={paths.config / 'jaeger.yaml'}"]
    assert procs["jaeger"].ready_url == f"http://127.0.0.1:{ports['jaeger_health']}/status"
    assert procs["loki-double"].argv[-4:] == ["--host", "127.0.0.1", "--port", str(ports["loki"])]
    assert procs["loki-double"].env["PYTHONPATH"] == str(REPO / "doubles")
    assert procs["tempo-double"].ready_url == f"http://127.0.0.1:{ports['tempo']}/ready"
    assert procs["prometheus"].ready_url == f"http://127.0.0.1:{ports['prometheus']}/-/ready"
    assert "--web.enable-remote-write-receiver" in procs["prometheus"].argv
    assert procs["sample-app"].env["PAYMENTS_URL"] == f"http://127.0.0.1:{ports['payments']}"
    assert procs["sample-app"].env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://127.0.0.1:{ports['jaeger_otlp_http']}"
    assert procs["payments"].env["LOKI_URL"] == f"http://127.0.0.1:{ports['loki']}"
    assert procs["traffic-generator"].ready_url is None
    assert "traffic-generator" not in {p.name for p in plan(paths, ports, binaries, None, cfg)}


def test_wait_ready_reports_a_child_that_exits_during_start_up(tmp_path):
    paths = state_paths({"RCP_STACK_DIR": str(tmp_path)})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        unused = s.getsockname()[1]
    proc = Proc(
        "crasher",
        [sys.executable, "-c", "import sys; print('bad config'); sys.exit(3)"],
        f"http://127.0.0.1:{unused}/ready",
        ready_timeout=30,
    )
    child = start(paths, proc)
    with pytest.raises(RuntimeError, match=r"crasher exited during start-up(.|\n)*bad config"):
        wait_ready(paths, proc, child)
