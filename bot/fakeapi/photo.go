package fakeapi

// SendPhoto makes the user send a photo (with an optional caption) to the
// bot in their private chat; the file is kept, so the bot can send it on
// by its id. It returns the message id and the photo's file id.
func (s *Server) SendPhoto(userID int64, fileName string, data []byte, caption string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	f := s.addFileLocked("photos", fileName, data)
	return s.userMessageLocked(s.chats[userID], u, wireMessage{Photo: f.photo(), Caption: caption}), f.id
}
