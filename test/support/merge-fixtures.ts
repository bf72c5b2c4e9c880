/** A spec with a test stage, staging on master and production with one approver, for merge-queue tests. */
export const PROMOTION_SPEC = `version: 1
defaults:
  image: slipway/busybox:1
test:
  - name: unit
    commands: [ "true" ]
deploy:
  environments:
    staging:
      branch: master
      steps:
        - name: deploy
          commands: [ "echo staging" ]
    production:
      branch: production
      approval:
        users: [alice]
        count: 1
        expires: 24h
      steps:
        - name: deploy
          commands: [ "echo production" ]
`;
