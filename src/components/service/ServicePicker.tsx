import React from 'react';
import { Select } from '@grafana/ui';
import type { AsyncData } from '../../hooks/useAsyncData';
import { testIds } from '../../testIds';
import { errorMessage } from '../../data/queryRunner';

interface Props {
  services: AsyncData<string[]>;
  value?: string;
  onChange: (service: string | undefined) => void;
}

export function ServicePicker({ services, value, onChange }: Props) {
  const names = services.status === 'success' ? services.value : [];
  // A service from the URL stays selectable even when it sent nothing in this range.
  const options = (value && !names.includes(value) ? [value, ...names] : names).map((name) => ({
    label: name,
    value: name,
  }));
  const placeholder =
    services.status === 'error'
      ? `Services unavailable: ${errorMessage(services.error)}`
      : services.status === 'success' && names.length === 0
        ? 'No services report the mapped metric in this range'
        : 'Choose a service';
  return (
    <Select
      aria-label="Service"
      data-testid={testIds.services.picker}
      inputId="rcp-service-picker"
      width={40}
      isLoading={services.status === 'loading'}
      options={options}
      value={value ?? null}
      placeholder={placeholder}
      onChange={(option) => onChange(option?.value ?? undefined)}
      isClearable
    />
  );
}
