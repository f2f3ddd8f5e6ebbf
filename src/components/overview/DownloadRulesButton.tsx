import React from 'react';
import { Button } from '@grafana/ui';
import { sloRuleFile } from '../../data/prometheus/sloRules';
import { useSettings } from '../../hooks/useSettings';
import { sloFor } from '../../settings/presets';
import { testIds } from '../../testIds';
import { saveTextFile } from '../common/saveTextFile';

/**
 * Saves the Prometheus rule file of the listed services' objectives (the same file
 * `scripts/slo-rules` prints), built in the browser: nothing is sent anywhere.
 */
export function DownloadRulesButton({ services }: { services: string[] }) {
  const settings = useSettings();
  const download = () => {
    const rules = sloRuleFile(
      settings.metrics,
      services.map((service) => ({ service, objective: sloFor(settings, service) }))
    );
    saveTextFile(services.length === 1 ? `slo-rules-${services[0]}.yaml` : 'slo-rules.yaml', rules, 'application/yaml');
  };
  return (
    <Button
      variant="secondary"
      icon="download-alt"
      onClick={download}
      disabled={services.length === 0}
      data-testid={testIds.overview.downloadRules}
      tooltip="Prometheus recording and alerting rules (Sloth's recording-rule names) for the four burn-rate alerts"
    >
      Download alert rules ({services.length === 1 ? services[0] : `${services.length} services`})
    </Button>
  );
}
