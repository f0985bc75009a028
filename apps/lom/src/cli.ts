console.log("lom: the RUNE MRS registry (coming soon)");
