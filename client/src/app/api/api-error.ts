/** A non-2xx answer from the local API, carrying the catalogue code (`KITH_ERR_*`) and status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Build from a response whose body may or may not be the host's JSON error. */
  static async from(response: Response): Promise<ApiError> {
    let body: { error?: { code?: string; message?: string; details?: Record<string, unknown> } } = {};
    try {
      body = await response.json();
    } catch {
      // not JSON: keep the status line
    }
    return new ApiError(
      response.status,
      body.error?.code ?? `HTTP_${response.status}`,
      body.error?.message ?? (response.statusText || `Request failed (${response.status})`),
      body.error?.details,
    );
  }
}

/** A message fit for a snackbar or an inline error, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
