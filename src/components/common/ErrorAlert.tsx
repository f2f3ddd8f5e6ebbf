import React, { type ReactNode } from 'react';
import { Alert } from '@grafana/ui';
import { errorMessage } from '../../data/queryRunner';

interface Props {
  title: string;
  /** What failed; its sentence is the alert's text. */
  error: unknown;
  onRemove?: () => void;
  /** Shown under the sentence, e.g. a way out. */
  children?: ReactNode;
}

/** An error alert with the failure's own sentence (backend message or datasource reason). */
export function ErrorAlert({ title, error, onRemove, children }: Props) {
  return (
    <Alert severity="error" title={title} onRemove={onRemove}>
      {errorMessage(error)}
      {children}
    </Alert>
  );
}
