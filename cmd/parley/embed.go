package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/parleyhq/parley/internal/embeddings"
)

// embeddingFlags adds the flags of the optional embeddings endpoint to fs
// and returns a function that builds its client, nil when no URL is set.
// The API key comes from PARLEY_EMBEDDINGS_KEY or from a file, never from
// a flag, so that it does not show in the process list.
func (a *app) embeddingFlags(fs *flag.FlagSet) func() (*embeddings.Client, error) {
	url := fs.String("embeddings-url", "", "OpenAI-compatible API base for grouping gap questions by meaning, e.g. https://api.openai.com/v1 (env PARLEY_EMBEDDINGS_URL); off when empty")
	model := fs.String("embeddings-model", "text-embedding-3-small", "embeddings model name (env PARLEY_EMBEDDINGS_MODEL)")
	keyFile := fs.String("embeddings-key-file", "", "file holding the embeddings API key (env PARLEY_EMBEDDINGS_KEY_FILE); or set PARLEY_EMBEDDINGS_KEY")
	return func() (*embeddings.Client, error) {
		if *url == "" {
			return nil, nil
		}
		key := os.Getenv("PARLEY_EMBEDDINGS_KEY")
		if *keyFile != "" {
			b, err := os.ReadFile(*keyFile)
			if err != nil {
				return nil, fmt.Errorf("--embeddings-key-file: %w", err)
			}
			key = strings.TrimSpace(string(b))
		}
		return &embeddings.Client{URL: *url, Model: *model, Key: key}, nil
	}
}
