import React from 'react';
import { Button, Stack } from '@grafana/ui';
import { STATUSES, type IncidentStatus } from '../../data/incidents/api';
import { testIds } from '../../testIds';
import { TRANSITION_ACTIONS } from './labels';

interface Props {
  allowed: string[];
  busy: boolean;
  onTransition: (to: IncidentStatus) => void;
}

/** One button per status the backend says is reachable; the transition table lives only there. */
export function LifecycleActions({ allowed, busy, onTransition }: Props) {
  const targets = STATUSES.filter((s) => allowed.includes(s));
  if (targets.length === 0) {
    return null;
  }
  return (
    <Stack gap={1} wrap="wrap" data-testid={testIds.incidents.actions}>
      {targets.map((to) => (
        <Button
          key={to}
          variant={to === 'resolved' ? 'success' : 'secondary'}
          disabled={busy}
          onClick={() => onTransition(to)}
        >
          {TRANSITION_ACTIONS[to]}
        </Button>
      ))}
    </Stack>
  );
}
