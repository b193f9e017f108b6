export { snowflake, SNOWFLAKE_CAPABILITIES } from './snowflake-destination.js';
export { SnowflakeSession } from './snowflake-session.js';
export type { SnowflakeConfig, SnowflakeStageFormat } from './snowflake-config.js';
export { quoteIdent } from './snowflake-sql.js';
export { snowflakeColumnType } from './snowflake-type-mapper.js';
