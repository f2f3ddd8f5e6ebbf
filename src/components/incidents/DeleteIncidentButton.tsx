import React, { useState } from 'react';
import { Button, ConfirmModal } from '@grafana/ui';
import { testIds } from '../../testIds';
import { ErrorAlert } from '../common/ErrorAlert';

interface Props {
  title: string;
  /** Resolves once the incident is gone; a rejection is shown below the button. */
  onDelete: () => Promise<void>;
}

export function DeleteIncidentButton({ title, onDelete }: Props) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>();
  const confirm = async () => {
    setError(undefined);
    try {
      await onDelete();
    } catch (e) {
      setError(e);
    } finally {
      setOpen(false);
    }
  };
  return (
    <>
      <Button
        variant="destructive"
        icon="trash-alt"
        onClick={() => setOpen(true)}
        data-testid={testIds.incidents.delete}
      >
        Delete
      </Button>
      {error !== undefined && <ErrorAlert title="The incident was not deleted" error={error} />}
      <ConfirmModal
        isOpen={open}
        title="Delete incident"
        body={`Delete "${title}" and its timeline? This cannot be undone.`}
        confirmText="Delete"
        onConfirm={confirm}
        onDismiss={() => setOpen(false)}
      />
    </>
  );
}
