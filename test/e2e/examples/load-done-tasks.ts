// This file is the README's "Composing a flow by hand" example, verbatim (a test checks they match).
import { filter, lastValueFrom, map } from 'rxjs';
import { createNotionClient, openLoad, queryRows } from 'notionflow';
import { inferSchema, normalize, toRecordBatches, writeTo } from 'notionflow/operators';
import { duckdb } from 'notionflow/destinations';

export async function loadDoneTasks(apiKey: string, baseUrl: string, dataSourceId: string, path: string) {
  const client = createNotionClient({ apiKey, baseUrl });
  const load = await openLoad(duckdb({ path }), {
    pipelineName: 'tasks',
    datasetName: 'notion_data',
    resources: [{ name: 'done_tasks', primaryKey: ['id'], writeDisposition: 'merge' }],
  });
  try {
    await lastValueFrom(
      queryRows(client, '2025-09-03', dataSourceId).pipe(
        map((page) => ({
          resource: 'done_tasks',
          items: page.results.filter((row: any) => row.properties?.Status?.status?.name === 'Done'),
        })),
        filter((page) => page.items.length > 0),
        normalize(load.normalizerOptions),
        inferSchema(load.schema),
        toRecordBatches(load.schema),
        writeTo(load.session, load.schema),
      ),
      { defaultValue: undefined },
    );
    await load.commit();
  } catch (error) {
    await load.rollback();
    throw error;
  } finally {
    await client.close();
  }
}
