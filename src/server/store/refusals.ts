// The errors both backends raise when the database refuses a write (a unique or foreign key
// violation, a row that is not there), written once so that both say the same thing.
import { WaftError } from '../../errors.ts';

export const refused = {
  userExists: (name: string) => new WaftError('WAFT_E_USER_EXISTS', `a user named ${name} exists already`, { name }),
  tokenUserMissing: (userId: string) =>
    new WaftError('WAFT_E_USER_NOT_FOUND', `cannot create a token for user ${userId}: no such user`, { userId }),
  tokenSecretReused: () => new WaftError('WAFT_E_INTERNAL', 'a token with this secret exists already; tokens must use fresh secrets'),
  appExists: (name: string) => new WaftError('WAFT_E_APP_EXISTS', `an app named ${name} exists already`, { name }),
  appOwnerMissing: (name: string, ownerId: string) =>
    new WaftError('WAFT_E_USER_NOT_FOUND', `cannot create app ${name} for user ${ownerId}: no such user`, { ownerId }),
  versionAppMissing: (appId: string) =>
    new WaftError('WAFT_E_APP_NOT_FOUND', `cannot create a version of app ${appId}: no such app`, { appId }),
  versionCreatorMissing: (createdBy: string) =>
    new WaftError('WAFT_E_USER_NOT_FOUND', `cannot create a version as user ${createdBy}: no such user`, { createdBy }),
  activateAppMissing: (appId: string) =>
    new WaftError('WAFT_E_APP_NOT_FOUND', `cannot activate a version of app ${appId}: no such app`, { appId }),
  activateVersionMissing: (appId: string, versionId: string) =>
    new WaftError('WAFT_E_VERSION_NOT_FOUND', `app ${appId} has no version ${versionId}`, { appId, versionId }),
  deployerMissing: (userId: string) => new WaftError('WAFT_E_USER_NOT_FOUND', `cannot deploy as user ${userId}: no such user`, { userId }),
};
