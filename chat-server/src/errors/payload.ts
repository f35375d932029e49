import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import {
  bodyShapeProblem,
  describeProblems,
  fieldProblems,
  type FieldProblem,
} from '@playlist-chat/platform';
import { ChatError } from './chat-error';

/** STOMP bodies get the same DTO rules as REST bodies: unknown fields refused, each problem named. */
export async function parsePayload<T extends object>(dto: ClassConstructor<T>, value: unknown): Promise<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ChatError('invalid-payload', 'body must be a JSON object');
  }
  const shape = bodyShapeProblem(value);
  if (shape) throw invalidPayload([shape]);
  const instance = plainToInstance(dto, value);
  const problems = fieldProblems(await validate(instance, { whitelist: true, forbidNonWhitelisted: true }));
  if (problems.length > 0) throw invalidPayload(problems);
  return instance;
}

/** The ERROR for a body that breaks its rules: each problem in the message and as fields. */
const invalidPayload = (problems: readonly FieldProblem[]): ChatError =>
  new ChatError('invalid-payload', describeProblems(problems), problems);
