import React from 'react';
import { Icon, TextLink } from '@grafana/ui';
import type { IncidentLink } from '../../data/incidents/api';
import { testIds } from '../../testIds';

/**
 * A path inside this Grafana: one leading "/" and no backslash, which browsers read as "/" (so
 * "/\evil.com" and "//evil.com" name another host). The backend refuses such links; this guards
 * links stored before it did.
 */
export function isGrafanaPath(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//') && !url.includes('\\');
}

/**
 * Grafana paths stay in the tab; http(s) URLs open a new one without access to this page; anything
 * else is shown as text, not as a link.
 */
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
          ) : isGrafanaPath(l.url) ? (
            // TextLink resolves Grafana paths against the sub-path Grafana may be served under.
            <TextLink href={l.url} inline>
              {l.title}
            </TextLink>
          ) : (
            <span>
              {l.title}: {l.url}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
