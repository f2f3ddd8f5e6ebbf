import { throwError } from 'rxjs';
import { getDataSourceSrv } from '@grafana/runtime';
import { resolveSettings } from '../../settings/presets';
import { runQueries } from '../datasource';
import { dataSourceSrv, fakeDatasource, tempoAnswering, type FakeDatasource } from '../../test/fakeDatasources';
import { fetchTraces, MAX_TRACE_LOOKUPS, mapConcurrent } from './fetch';

jest.mock('@grafana/runtime', () => ({ ...jest.requireActual('@grafana/runtime'), getDataSourceSrv: jest.fn() }));

const settings = resolveSettings({ datasources: { tempoUid: 'tempo' } });

function tempoFailingWith(messages: Record<string, string>, known: FakeDatasource): FakeDatasource {
  return {
    ...known,
    query: jest.fn((request) => {
      const id = request.targets[0].query as string;
      return messages[id] ? throwError(() => new Error(messages[id])) : known.query(request);
    }),
  };
}

describe('fetchTraces', () => {
  it('tells a trace Tempo does not have from a lookup that failed', async () => {
    const known = fakeDatasource(
      'tempo',
      'tempo',
      tempoAnswering({
        aaaa: [
          {
            spanID: 's',
            parentSpanID: '',
            serviceName: 'api',
            operationName: 'GET /',
            startTime: 0,
            duration: 5,
            statusCode: 0,
          },
        ],
      })
    );
    const tempo = tempoFailingWith(
      {
        bbbb: 'failed to get trace with id: bbbb Status: 404 Not Found Body: trace not found',
        cccc: 'dial tcp: connection refused',
      },
      known
    );
    jest.mocked(getDataSourceSrv).mockReturnValue(dataSourceSrv([tempo]) as never);
    const { lookups } = await fetchTraces(runQueries, settings, ['aaaa', 'bbbb', 'cccc', 'dddd'], 0, 1);
    expect(lookups.map((l) => l.status)).toEqual(['found', 'not-found', 'error', 'not-found']);
    expect(lookups[2]).toMatchObject({ message: 'Tempo: dial tcp: connection refused' });
  });

  it('looks up at most MAX_TRACE_LOOKUPS distinct ids', async () => {
    const tempo = fakeDatasource('tempo', 'tempo', tempoAnswering({}));
    jest.mocked(getDataSourceSrv).mockReturnValue(dataSourceSrv([tempo]) as never);
    const ids = Array.from({ length: 30 }, (_, i) => `id${i % 20}`);
    const { lookups } = await fetchTraces(runQueries, settings, ids, 0, 1);
    expect(lookups).toHaveLength(MAX_TRACE_LOOKUPS);
    expect(tempo.query).toHaveBeenCalledTimes(MAX_TRACE_LOOKUPS);
  });
});

describe('mapConcurrent', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapConcurrent([30, 10, 20, 5, 15], 2, async (ms) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    expect(out).toEqual([60, 20, 40, 10, 30]);
    expect(peak).toBe(2);
  });
});
