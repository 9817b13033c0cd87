import { Schema, type Connection, type Model } from 'mongoose';
import type { TaskNo } from '../../config/division-table';

/** A routing correction as stored (lean). */
export interface CorrectionDoc {
  /**
   * One correction per finding (`finding:<no>`): a finding re-routed twice teaches only its last
   * route. Without a finding, one per normalised text (`text:<sha1>`).
   */
  key: string;
  text: string;
  task: TaskNo;
  item: string;
  findingNo: number | null;
  by: string | null;
  at: Date;
}

// Plain fields and a unique index only: the test database (FerretDB v1) has no text indexes or TTL.
const correctionSchema = new Schema<CorrectionDoc>(
  {
    key: { type: String, required: true, unique: true },
    text: { type: String, required: true },
    task: { type: Number, required: true, min: 1, max: 8 },
    item: { type: String, required: true },
    findingNo: { type: Number, default: null },
    by: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { collection: 'routing_corrections', versionKey: false },
);

export function correctionModel(connection: Connection): Model<CorrectionDoc> {
  return (connection.models.RoutingCorrection as Model<CorrectionDoc> | undefined) ?? connection.model<CorrectionDoc>('RoutingCorrection', correctionSchema);
}
