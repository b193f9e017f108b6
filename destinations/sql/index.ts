export type { SqlDialect } from './sql-dialect.js';
export { SqlStatementError, runInOrder, runInTransaction, tablesOfColumns, type SqlDriver, type SqlErrorInfo, type SqlIntrospector, type SqlStatement, type StagingTarget } from './sql-driver.js';
export { planCommit, planProbes, type CommitInput, type ProbeAnswers, type ProbePlan } from './plan-commit.js';
export { SqlSession, type SqlEngine } from './sql-session.js';
