/** What a message says: the digest's or an edition's subject and parts, the same for every reader of it. */
export interface MessageContent {
  subject: string;
  html: string;
  text: string;
  /**
   * The same parts as pieces whose concatenation they are, for a reader's own edition assembled
   * from a day's shared parts: each long piece is encoded (and DKIM-canonicalized) once for all
   * readers instead of the whole part per reader.
   */
  pieces?: { html: readonly string[]; text: readonly string[] };
}
