import React, { useMemo } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';
import { SettingsContext } from '../../hooks/useSettings';
import { resolveSettings } from '../../settings/presets';
import type { AppSettings } from '../../settings/types';

const OverviewPage = React.lazy(() => import('../../pages/OverviewPage'));
const ServicesPage = React.lazy(() => import('../../pages/ServicesPage'));
const IncidentsPage = React.lazy(() => import('../../pages/IncidentsPage'));
const IncidentDetailPage = React.lazy(() => import('../../pages/IncidentDetailPage'));

function App({ meta }: AppRootProps<Partial<AppSettings>>) {
  const settings = useMemo(() => resolveSettings(meta.jsonData), [meta.jsonData]);
  return (
    <SettingsContext.Provider value={settings}>
      <Routes>
        <Route path={ROUTES.Overview} element={<OverviewPage />} />
        <Route path={ROUTES.Services} element={<ServicesPage />} />
        <Route path={ROUTES.Incidents} element={<IncidentsPage />} />
        <Route path={`${ROUTES.Incidents}/:id`} element={<IncidentDetailPage />} />
        <Route path="*" element={<Navigate to={ROUTES.Overview} replace />} />
      </Routes>
    </SettingsContext.Provider>
  );
}

export default App;
