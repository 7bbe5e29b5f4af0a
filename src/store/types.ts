/**
 * Types of the store's rows and enums, re-exported so that code outside src/store/ never imports the generated
 * Prisma client. Rows are `<Model>Model` (e.g. `AccountModel`); enums are both a value and a string-union type.
 */
export type { PrismaClient } from './generated/client.ts';
export type {
  AccountModel,
  AccountLeaseModel,
  AuditLogModel,
  CampaignModel,
  ContactModel,
  ContactTagModel,
  CouponModel,
  DashboardUserModel,
  FeedbackModel,
  FlowRunModel,
  FlowScheduleModel,
  InteractionModel,
  KocProfileModel,
  KocTaskModel,
  LinkClickModel,
  OutboxEntryModel,
  OutboxEventModel,
  PlaybookVersionModel,
  PointsLedgerModel,
  RedemptionModel,
  ReferralCodeModel,
  RoomModel,
  RoomMemberModel,
  SessionModel,
  StaffModel,
  StoreModel,
  TaskAssignmentModel,
  TierChangeModel,
} from './generated/models.ts';
export type { JsonValue, InputJsonValue } from './generated/internal/prismaNamespace.ts';
export {
  AccountRole,
  StaffRole,
  Direction,
  SubjectKind,
  FlowRunStatus,
  OutboxMode,
  OutboxStatus,
  CouponStatus,
  RedemptionChannel,
  TaskAssignmentStatus,
} from './generated/enums.ts';
