export type { TaskStoreContractSubject } from './contract-subject.js';
export { describeTaskStoreContract } from './describe-task-store-contract.js';
