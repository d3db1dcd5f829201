"""The service's Prometheus exposition: no ``_created`` noise, build info, series from zero."""

from __future__ import annotations

from scheduler.metrics import Metrics


def test_metrics_start_at_zero_with_build_info_and_no_created_series() -> None:
    metrics = Metrics()
    metrics.add_sources(["techcrunch"])
    text = metrics.render().decode()
    assert "_created" not in text
    assert 'newswatch_build_info{python="' in text and 'version="' in text
    # Series exist before the first event, so rate() and alert rules see it arrive.
    assert 'newswatch_fetches_total{source="techcrunch"} 0.0' in text
    assert 'newswatch_source_failing{source="techcrunch"} 0.0' in text
    for result in ("sent", "retried", "failed", "on_hold"):
        assert f'newswatch_deliveries_total{{result="{result}"}} 0.0' in text
    assert 'newswatch_config_reloads_total{result="rejected"} 0.0' in text
    assert 'newswatch_outbox{status="pending"} 0.0' in text
