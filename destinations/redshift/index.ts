export { redshift, REDSHIFT_CAPABILITIES } from './redshift-destination.js';
export { resolveRedshiftConfig, type RedshiftClientOptions, type RedshiftConfig, type RedshiftS3Staging, type ResolvedRedshiftConfig } from './redshift-config.js';
export { redshiftDialect, STAGE_SEQ_COLUMN, literal, quoteIdent } from './redshift-dialect.js';
export { RedshiftDriver, loadRedshiftPackages, type RedshiftDriverContext, type RedshiftPackages } from './redshift-driver.js';
export { openRedshiftSession } from './redshift-engine.js';
export { redshiftIntrospector } from './redshift-introspector.js';
export { stageFileOf, type StageFile } from './redshift-stage-file.js';
export { REDSHIFT_MAX_VARCHAR_BYTES, dataTypeOfRedshiftType, redshiftColumnType, redshiftStagingType } from './redshift-type-mapper.js';
