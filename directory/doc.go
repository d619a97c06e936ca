// Package directory reads and writes the file format of a district's 通讯录.
package directory
