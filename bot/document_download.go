package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
)

// downloadTimeout bounds fetching one file from the Bot API.
const downloadTimeout = time.Minute

// fileTooBigError is a file larger than the bound given to download.
type fileTooBigError struct{ size int64 }

func (e *fileTooBigError) Error() string { return fmt.Sprintf("file of %d bytes is too big", e.size) }

// download fetches a file sent to the bot: getFile, then a GET of
// <api_url>/file/bot<token>/<file_path>. It reads at most max bytes. Its
// errors never contain the bot token, which is part of the file URL.
func (b *Bot) download(ctx context.Context, fileID string, max int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	f, err := b.api.GetFile(ctx, &tg.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, b.scrub(fmt.Errorf("getFile: %w", err))
	}
	if f.FileSize > max {
		return nil, &fileTooBigError{f.FileSize}
	}
	if f.FilePath == "" {
		return nil, errors.New("getFile: no file_path (the file may be too big for the Bot API to hand out)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, b.scrub(fmt.Errorf("download request: %w", err))
	}
	client := b.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: downloadTimeout} // the default transport honours HTTPS_PROXY
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, b.scrub(fmt.Errorf("download: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, b.scrub(fmt.Errorf("download: %w", err))
	}
	if int64(len(data)) > max {
		return nil, &fileTooBigError{int64(len(data))}
	}
	return data, nil
}

// scrub drops the URL from a request error and masks the bot token in
// what is left, so the error can be logged.
func (b *Bot) scrub(err error) error {
	var ue *url.Error
	msg := err.Error()
	if errors.As(err, &ue) {
		msg = strings.Replace(msg, ue.URL, "(file URL)", 1)
	}
	return errors.New(maskToken(msg, b.Config.Telegram.Token))
}
