export { bigquery, BIGQUERY_CAPABILITIES } from './bigquery-destination.js';
export type { BigQueryConfig, BigQueryServiceAccountKey, BigQueryTextLists } from './bigquery-config.js';
export { BigQueryDialect } from './bigquery-dialect.js';
export { bigqueryColumnType } from './bigquery-type-mapper.js';
