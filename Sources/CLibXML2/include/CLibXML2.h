int intake_placeholder(void);
