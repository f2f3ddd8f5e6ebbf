import React from 'react';
import { Icon, TextLink } from '@grafana/ui';
import type { IncidentLink } from '../../data/incidents/api';
import { testIds } from '../../testIds';

/** Grafana paths stay in the tab; outside URLs open a new one without access to this page. */
export function IncidentLinks({ links }: { links: IncidentLink[] }) {
  if (links.length === 0) {
    return <p>No links saved.</p>;
  }
  return (
    <ul data-testid={testIds.incidents.links}>
      {links.map((l, i) => (
        <li key={`${i}-${l.url}`}>
          {/^https?:\/\//i.test(l.url) ? (
            <a href={l.url} target="_blank" rel="noopener noreferrer">
              {l.title} <Icon name="external-link-alt" size="xs" aria-hidden />
            </a>
          ) : (
            // TextLink resolves Grafana paths against the sub-path Grafana may be served under.
            <TextLink href={l.url} inline>
              {l.title}
            </TextLink>
          )}
        </li>
      ))}
    </ul>
  );
}
