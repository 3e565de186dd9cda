package dev.tollgate.adapter.mock;

/**
 * The mock provider's deterministic answer: token {@code i} is always the same word, and every word
 * is exactly one token in {@code o200k_base}, so the text of {@code n} tokens counts as {@code n}
 * tokens locally too.
 */
public final class MockText {

  private static final String[] WORDS = {
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", " and",
    " runs", " far", " away", " into", " green", " fields", " under", " a", " bright", " sky",
    " while", " birds", " sing", " softly", "."
  };

  private MockText() {}

  /** Token {@code index} of every mock answer. */
  public static String token(int index) {
    return index == 0 ? WORDS[0] : WORDS[1 + (index - 1) % (WORDS.length - 1)];
  }

  /** The first {@code n} tokens of every mock answer, joined. */
  public static String text(int n) {
    StringBuilder sb = new StringBuilder(n * 6);
    for (int i = 0; i < n; i++) {
      sb.append(token(i));
    }
    return sb.toString();
  }
}
