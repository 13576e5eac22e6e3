/** Backups for the doors (the CLI): the store's backup and restore, as src/store/backup.ts does them. */
export { backupSqlite, restoreSqlite, type StoreCounts } from '../store/backup.js';
