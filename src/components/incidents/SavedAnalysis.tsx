import React from 'react';
import { Alert, ErrorBoundaryAlert } from '@grafana/ui';
import type { ServiceAnalysis } from '../../engine/analysis';
import { ServiceAnalysisView, sectionsFromSnapshot } from '../analysis/ServiceAnalysisView';

const SECTIONS = ['metrics', 'logs', 'confidence', 'blastRadius', 'traces'] as const;

function isSectionResult(v: unknown): boolean {
  const r = v as { status?: unknown; message?: unknown } | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    (r.status === 'ok' ? 'value' in r : r.status === 'error' && typeof r.message === 'string')
  );
}

/** The backend stores any JSON object as the analysis; only a version 1 snapshot can be drawn. */
export function isServiceAnalysis(v: unknown): v is ServiceAnalysis {
  const a = v as Partial<ServiceAnalysis> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    a.version === 1 &&
    typeof a.service === 'string' &&
    Number.isFinite(a.fromMs) &&
    Number.isFinite(a.toMs) &&
    SECTIONS.every((k) => isSectionResult(a[k]))
  );
}

/**
 * The analysis exactly as it was saved: drawn from the stored JSON with the live page's
 * components and never queried again, so the incident keeps what was seen at the time.
 */
export function SavedAnalysis({ analysis }: { analysis: unknown }) {
  if (!isServiceAnalysis(analysis)) {
    return (
      <Alert severity="info" title="No saved analysis">
        This incident was saved without an analysis the page can show (it may come from another client or an older
        version).
      </Alert>
    );
  }
  return (
    <ErrorBoundaryAlert title="The saved analysis could not be shown">
      <ServiceAnalysisView
        sections={sectionsFromSnapshot(analysis)}
        service={analysis.service}
        datasources={analysis.datasources ?? {}}
        fromMs={analysis.fromMs}
        toMs={analysis.toMs}
      />
    </ErrorBoundaryAlert>
  );
}
