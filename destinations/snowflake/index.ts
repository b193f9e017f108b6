export { snowflake, SNOWFLAKE_CAPABILITIES } from './snowflake-destination.js';
export { snowflakeDialect } from './snowflake-dialect.js';
export type { SnowflakeConfig, SnowflakeStageFormat } from './snowflake-config.js';
export { quoteIdent } from './snowflake-sql.js';
export { snowflakeColumnType } from './snowflake-type-mapper.js';
