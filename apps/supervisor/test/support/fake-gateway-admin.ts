import type { ApprovalPreview, GatewayVerdict } from '@switchboard/gateway-client';
import { GatewayAdminError, GatewayAdminPort } from '../../src/gateway/gateway-admin.port';

/** Named double of the gateway admin API: records decisions; can refuse an approval id or be unavailable. */
export class FakeGatewayAdmin extends GatewayAdminPort {
  readonly calls: Array<{ decision: 'approve' | 'reject'; approvalId: string; by: string }> = [];
  private readonly refused = new Map<string, string>();
  unavailable = false;

  refuse(approvalId: string, message: string): void {
    this.refused.set(approvalId, message);
  }

  async approve(approvalId: string, by: string): Promise<void> {
    this.decide('approve', approvalId, by);
  }

  async reject(approvalId: string, by: string): Promise<void> {
    this.decide('reject', approvalId, by);
  }

  /** The verdicts a test planted per case (the real gateway's are tested in test/e2e). */
  readonly plantedVerdicts = new Map<string, GatewayVerdict[]>();

  async verdicts(caseId: string): Promise<GatewayVerdict[]> {
    if (this.unavailable) throw new GatewayAdminError('gateway unavailable', true);
    return this.plantedVerdicts.get(caseId) ?? [];
  }

  async verdictsSince(): Promise<GatewayVerdict[]> {
    if (this.unavailable) throw new GatewayAdminError('gateway unavailable', true);
    return [...this.plantedVerdicts.values()].flat();
  }

  /** Previews a test planted per approval id (the real gateway's are tested in apps/gateway and test/e2e). */
  readonly plantedPreviews = new Map<string, ApprovalPreview>();

  async preview(approvalId: string): Promise<ApprovalPreview> {
    if (this.unavailable) throw new GatewayAdminError('gateway unavailable', true);
    const planted = this.plantedPreviews.get(approvalId);
    if (!planted) throw new GatewayAdminError(`APPROVAL_INVALID: approval "${approvalId}" does not exist`, false);
    return planted;
  }

  private decide(decision: 'approve' | 'reject', approvalId: string, by: string): void {
    if (this.unavailable) throw new GatewayAdminError('gateway unavailable', true);
    const refusal = this.refused.get(approvalId);
    if (refusal) throw new GatewayAdminError(refusal, false);
    this.calls.push({ decision, approvalId, by });
  }
}
