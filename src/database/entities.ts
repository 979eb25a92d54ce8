import { ActivityRecordEntity } from '../audit/activity-record.entity';
import { SessionEntity } from '../auth/session.entity';
import { MembershipEntity } from '../organizations/membership.entity';
import { OrganizationEntity } from '../organizations/organization.entity';
import { UserEntity } from '../organizations/user.entity';
import { RoleEntity } from '../organizations/role.entity';
import { CustomPrivilegeEntity } from '../organizations/custom-privilege.entity';
import { ApiKeyEntity } from '../keys/api-key.entity';
import { ServiceTokenEntity } from '../service-tokens/service-token.entity';
import { WebhookEntity } from '../webhooks/webhook.entity';

export const ENTITIES = [OrganizationEntity, UserEntity, MembershipEntity, SessionEntity, ActivityRecordEntity, RoleEntity, CustomPrivilegeEntity, ApiKeyEntity, ServiceTokenEntity, WebhookEntity];
