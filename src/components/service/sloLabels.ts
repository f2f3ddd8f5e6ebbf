import type { Exhaustion } from '../../engine/slo';

export const EXHAUSTION_LABELS: Record<Exhaustion['state'], string> = {
  'no-traffic': 'no traffic',
  'not-exhausting': 'not exhausting',
  exhausted: 'exhausted',
  exhausting: 'exhausting',
};
